/** What the scan keeps of an analysed stream: its table row and findings, not its bytes. */
import { summarizeConversation } from '../analysis/summarizeConversation';
import type { AnalysedConnection } from './analyzeStream';
import type { ScannedStream } from './scanProtocol';

export function toScannedStream(result: AnalysedConnection): ScannedStream {
  return { summary: summarizeConversation(result), findings: result.findings };
}
