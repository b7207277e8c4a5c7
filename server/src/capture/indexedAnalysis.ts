/**
 * A capture analysed from its index: the scan's rows and findings, and a stream map that reads a
 * stream from the file when asked (a few recent ones cached) instead of holding them all.
 */
import type { ConversationSummary, Finding } from '../../../protocol/model';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import type { AnalysedConnection } from './analyzeStream';
import { analyzeIndexedStream } from './analyzeStream';
import type { CaptureIndex, IndexedConversation } from './captureIndex';
import { scanCapture, type ScanOptions, type ScanResult } from './scan';

/** Captures below this size keep every stream's analysis in memory, as the tshark path does. */
export const KEEP_ANALYSES_BELOW_BYTES = 16 * 1024 * 1024;

/**
 * ReadonlyMap of stream → analysis whose `get` reads that stream's packets from the capture (a
 * few milliseconds) and keeps the most recent ones. Iterating reads every stream, one at a time.
 */
export class IndexedStreamMap implements ReadonlyMap<number, StreamAnalysis> {
  private readonly cache = new Map<number, StreamAnalysis>();

  constructor(
    private readonly index: CaptureIndex,
    private readonly findingsByStream: ReadonlyMap<number, readonly Finding[]>,
    private readonly cacheSize = 8,
  ) {}

  get size(): number {
    return this.index.conversations.length;
  }

  has(stream: number): boolean {
    return Number.isInteger(stream) && stream >= 0 && stream < this.size;
  }

  get(stream: number): StreamAnalysis | undefined {
    if (!this.has(stream)) return undefined;
    const cached = this.cache.get(stream);
    if (cached) {
      this.cache.delete(stream);
      this.cache.set(stream, cached);
      return cached;
    }
    const analysed = analyzeIndexedStream(this.index, stream);
    if (!analysed) return undefined;
    const analysis: StreamAnalysis = { ...analysed, findings: this.findingsByStream.get(stream) ?? [] };
    this.cache.set(stream, analysis);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
    return analysis;
  }

  *keys(): MapIterator<number> {
    for (let stream = 0; stream < this.size; stream++) yield stream;
  }

  *values(): MapIterator<StreamAnalysis> {
    for (const stream of this.keys()) {
      const analysis = this.get(stream);
      if (analysis) yield analysis;
    }
  }

  *entries(): MapIterator<[number, StreamAnalysis]> {
    for (const stream of this.keys()) {
      const analysis = this.get(stream);
      if (analysis) yield [stream, analysis];
    }
  }

  [Symbol.iterator](): MapIterator<[number, StreamAnalysis]> {
    return this.entries();
  }

  forEach(callback: (value: StreamAnalysis, key: number, map: ReadonlyMap<number, StreamAnalysis>) => void, thisArg?: unknown): void {
    for (const [stream, analysis] of this.entries()) callback.call(thisArg, analysis, stream, this);
  }
}

/**
 * A conversation-table row from the index alone (before the scan): payload bytes counted once
 * per sequence range, protocol from the first payload bytes, exchanges not yet parsed.
 */
export function conversationRowFromIndex(c: IndexedConversation, findingCount = 0): ConversationSummary {
  return {
    stream: c.stream,
    client: c.client,
    server: c.server,
    packets: c.packets,
    bytes: c.payloadBytes,
    start: c.firstTime,
    durationSeconds: Math.max(0, c.lastTime - c.firstTime),
    protocol: c.protocol,
    exchanges: [],
    findingCount,
  };
}

export interface IndexedAnalysis {
  readonly streams: ReadonlyMap<number, StreamAnalysis>;
  readonly conversations: readonly ConversationSummary[];
  readonly findings: readonly Finding[];
  readonly scan: ScanResult;
}

export interface IndexedAnalysisOptions extends Omit<ScanOptions, 'keepAnalyses' | 'onStream'> {
  /** Findings of each stream as soon as it is analysed (capture-scope findings come at the end). */
  readonly onFindings?: (findings: readonly Finding[]) => void;
}

export async function analyzeIndexedCapture(index: CaptureIndex, options: IndexedAnalysisOptions = {}): Promise<IndexedAnalysis> {
  const keepAnalyses = index.size < KEEP_ANALYSES_BELOW_BYTES;
  const scan = await scanCapture(index, {
    ...options,
    keepAnalyses,
    onStream: (scanned) => {
      if (scanned.findings.length > 0) options.onFindings?.(scanned.findings);
    },
  });
  if (scan.captureFindings.length > 0) options.onFindings?.(scan.captureFindings);
  const captureFindingsByStream = new Map<number, Finding[]>();
  for (const finding of scan.captureFindings) {
    const list = captureFindingsByStream.get(finding.stream) ?? [];
    list.push(finding);
    captureFindingsByStream.set(finding.stream, list);
  }
  const findingsByStream = new Map<number, readonly Finding[]>();
  const findings: Finding[] = [];
  const conversations: ConversationSummary[] = [];
  for (const scanned of scan.streams) {
    const stream = scanned.summary.stream;
    const extra = captureFindingsByStream.get(stream);
    const all = extra ? [...scanned.findings, ...extra] : scanned.findings;
    if (all.length > 0) findingsByStream.set(stream, all);
    findings.push(...all);
    conversations.push(extra ? { ...scanned.summary, findingCount: all.length } : scanned.summary);
  }
  let streams: ReadonlyMap<number, StreamAnalysis>;
  if (scan.analyses) {
    const kept = new Map<number, StreamAnalysis>();
    for (const [stream, analysed] of scan.analyses as ReadonlyMap<number, AnalysedConnection>) kept.set(stream, { ...analysed, findings: findingsByStream.get(stream) ?? [] });
    streams = kept;
  } else {
    streams = new IndexedStreamMap(index, findingsByStream);
  }
  return { streams, conversations, findings, scan };
}
