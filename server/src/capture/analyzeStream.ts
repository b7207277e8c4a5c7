/**
 * One TCP connection through the same steps as the whole-capture analysis (analyzeSegments in
 * analysis/analyzeCapture.ts: HTTP parse across gaps, message and connection rules), and one
 * indexed stream read on demand and analysed that way. The differential tests check that both
 * paths give the same findings.
 */
import type { Finding } from '../../../protocol/model';
import { findRuleViolations } from '../analysis/findRuleViolations';
import { parseHttpConnection, type HttpConversation } from '../http/httpConversation';
import { ALL_RULES } from '../rules';
import type { Rule } from '../rules/rule';
import { TcpReassembler, type TcpConnection } from '../tcp/tcpReassembler';
import type { TcpSegment } from '../tshark/tcpSegment';
import type { CaptureIndex } from './captureIndex';
import { readStreamSegments } from './packetReader';

/** The shape of analysis/analyzeCapture's StreamAnalysis (kept here to avoid an import cycle). */
export interface AnalysedConnection {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
  readonly findings: readonly Finding[];
}

export function analyzeConnection(connection: TcpConnection, rules: readonly Rule[] = ALL_RULES): AnalysedConnection {
  const http = parseHttpConnection(connection);
  return { connection, http, findings: findRuleViolations(connection, http, rules) };
}

/** Reassembles one stream's segments (all of one tcp.stream). */
export function reassembleOne(segments: readonly TcpSegment[]): TcpConnection | undefined {
  if (segments.length === 0) return undefined;
  const reassembler = new TcpReassembler();
  for (const segment of segments) reassembler.add(segment);
  return reassembler.finish()[0];
}

/** Reads one indexed stream's packets (and only those) and analyses the connection. */
export function analyzeIndexedStream(index: CaptureIndex, stream: number, rules: readonly Rule[] = ALL_RULES): AnalysedConnection | undefined {
  const connection = reassembleOne(readStreamSegments(index, stream));
  return connection ? analyzeConnection(connection, rules) : undefined;
}
