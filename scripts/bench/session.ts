/**
 * One language-server session on a capture, timed step by step in one process as the editor
 * would drive it: open (the index), the first page of the conversation table, following streams,
 * the full scan; and the process's peak resident memory (worker threads included).
 *
 * Run as a child process (sessionMain.ts), so its memory is measured alone.
 */
import { analyzeIndexedStream } from '../../server/src/capture/analyzeStream';
import { buildCaptureIndex } from '../../server/src/capture/captureIndex';
import { analyzeIndexedCapture } from '../../server/src/capture/indexedAnalysis';
import { rowFromIndex } from '../../server/src/cli/streamCommands';
import { renderStreamDocument } from '../../server/src/document/renderStreamDocument';
import type { Finding } from '../../protocol/model';

export interface SessionResult {
  readonly file: string;
  readonly packets: number;
  readonly streams: number;
  /** Milliseconds: index pass; index + first 100 rows of the conversation table. */
  readonly indexMs: number;
  readonly conversationListMs: number;
  /** Milliseconds to follow each stream (read, reassemble, parse, render), after the index exists. */
  readonly follows: readonly { readonly stream: number; readonly packets: number; readonly ms: number }[];
  readonly scanMs: number;
  readonly captureRulesMs: number;
  readonly scanWorkers: number;
  readonly findings: readonly Finding[];
  /** Peak resident set of the process (KiB), worker threads included. */
  readonly maxRssKiB: number;
}

/** In `followStreams`, this stands for the stream with the most packets (the slowest to follow). */
export const LARGEST_STREAM = -1;

export async function measureSession(file: string, followStreams: readonly number[], options: { workers?: number } = {}): Promise<SessionResult> {
  const started = performance.now();
  const outcome = await buildCaptureIndex(file);
  if (!('index' in outcome)) throw new Error(`the direct reader cannot read ${file}: ${outcome.unsupported}`);
  const { index } = outcome;
  const indexMs = performance.now() - started;
  const firstPage = index.conversations.slice(0, 100).map(rowFromIndex);
  const conversationListMs = performance.now() - started;
  if (firstPage.length === 0) throw new Error(`${file} has no TCP conversations`);

  const largest = index.conversations.reduce((a, b) => (b.packets > a.packets ? b : a)).stream;
  const follows = followStreams.map((wanted) => {
    const stream = wanted === LARGEST_STREAM ? largest : wanted;
    const t = performance.now();
    const analysed = analyzeIndexedStream(index, stream);
    if (!analysed) throw new Error(`${file} has no stream ${stream}`);
    renderStreamDocument(file, 'http', analysed);
    return { stream, packets: analysed.connection.packets, ms: performance.now() - t };
  });

  const scanStarted = performance.now();
  const analysis = await analyzeIndexedCapture(index, { workers: options.workers });
  const scanMs = performance.now() - scanStarted;
  return {
    file,
    packets: index.packets.count,
    streams: index.conversations.length,
    indexMs,
    conversationListMs,
    follows,
    scanMs,
    captureRulesMs: analysis.scan.captureRulesMs,
    scanWorkers: analysis.scan.workers,
    findings: analysis.findings,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}
