/**
 * TLS conversations after the TCP/HTTP analysis: tshark reads the capture's TLS records once
 * (with the key log, if any; keys embedded in a pcapng are found by tshark itself), and each
 * TLS stream gets its handshake facts. Streams whose application data tshark decrypted are
 * analysed again on the decrypted bytes (decryptedConnection.ts): the same HTTP/1.x or HTTP/2
 * parser and the same rules as plaintext, each finding naming the TLS record that carried it.
 */
import type { ConversationSummary, Endpoint, Finding, TlsFacts } from '../../../protocol/model';
import type { AnalyzeOptions, CaptureAnalysis, StreamAnalysis } from '../analysis/analyzeCapture';
import { findCaptureViolations, findRuleViolations, streamsForCaptureRules } from '../analysis/findRuleViolations';
import { summarizeConversation } from '../analysis/summarizeConversation';
import { parseHttpConnection } from '../http/httpConversation';
import { ALL_RULES } from '../rules';
import type { TcpConnection } from '../tcp/tcpReassembler';
import type { CaptureIndex } from '../capture/captureIndex';
import { readTlsFramesOf } from './tlsFrameSource';
import { decryptedConnection, recordAt, type RecordSpan } from './decryptedConnection';
import { tlsSessions } from './tlsSession';

/** What a TLS stream's analysis adds: the handshake facts and, once decrypted, the records and the transport. */
export interface TlsStreamInfo {
  readonly facts: TlsFacts;
  /** Decrypted streams: where each record's plaintext sits in the decrypted bytes. */
  readonly records?: { readonly clientToServer: readonly RecordSpan[]; readonly serverToClient: readonly RecordSpan[] };
  /** Decrypted streams: the TCP connection as captured (the analysis' `connection` holds the plaintext). */
  readonly transport?: TcpConnection;
}

/** A stream map with some entries replaced (the base may read streams lazily from the file). */
class OverlayStreamMap implements ReadonlyMap<number, StreamAnalysis> {
  constructor(
    private readonly base: ReadonlyMap<number, StreamAnalysis>,
    private readonly overlay: ReadonlyMap<number, StreamAnalysis>,
  ) {}
  get size(): number {
    return this.base.size;
  }
  has(stream: number): boolean {
    return this.overlay.has(stream) || this.base.has(stream);
  }
  get(stream: number): StreamAnalysis | undefined {
    return this.overlay.get(stream) ?? this.base.get(stream);
  }
  *keys(): MapIterator<number> {
    yield* this.base.keys();
  }
  *values(): MapIterator<StreamAnalysis> {
    for (const [, value] of this.entries()) yield value;
  }
  *entries(): MapIterator<[number, StreamAnalysis]> {
    for (const stream of this.base.keys()) {
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

const findingKey = (f: Finding) => `${f.ruleId}|${f.stream}|${f.direction}|${f.offset}|${f.length}`;

/** Decrypted-stream findings say which TLS record carried their first byte. */
function withRecords(findings: readonly Finding[], records: NonNullable<TlsStreamInfo['records']>): Finding[] {
  return findings.map((finding) => {
    const record = recordAt(finding.direction === 'client-to-server' ? records.clientToServer : records.serverToClient, finding.offset);
    return record ? { ...finding, frame: record.frame, tlsRecord: record } : finding;
  });
}

/** One TLS stream: facts only, or the decrypted conversation analysed like plaintext. */
export function analyzeTlsStream(base: StreamAnalysis, session: ReturnType<typeof tlsSessions> extends Map<number, infer S> ? S : never): StreamAnalysis {
  if (session.facts.decryption === 'no-keys') return { ...base, tls: { facts: session.facts } };
  const decrypted = decryptedConnection(base.connection, session);
  const http = parseHttpConnection(decrypted.connection);
  const records = { clientToServer: decrypted.records['client-to-server'], serverToClient: decrypted.records['server-to-client'] };
  const findings = withRecords(findRuleViolations(decrypted.connection, http, ALL_RULES), records);
  return { connection: decrypted.connection, http, findings, tls: { facts: session.facts, records, transport: base.connection } };
}

/** One stream with its TLS facts (decrypted, given keys): what `wirelens follow` shows for a TLS stream. */
export async function withTlsStream(
  file: string,
  index: CaptureIndex | undefined,
  analysis: StreamAnalysis,
  options: Pick<AnalyzeOptions, 'tsharkPath' | 'tlsKeyLogFile' | 'signal'>,
): Promise<StreamAnalysis> {
  if (analysis.http.protocol !== 'tls') return analysis;
  const { stream, client } = analysis.connection;
  const frames = await readTlsFramesOf(file, index, [stream], { tsharkPath: options.tsharkPath, keyLogFile: options.tlsKeyLogFile, signal: options.signal });
  const session = tlsSessions(frames, new Map([[stream, client]])).get(stream);
  return session ? analyzeTlsStream(analysis, session) : analysis;
}

export async function analyzeTlsStreams(file: string, analysis: CaptureAnalysis, options: AnalyzeOptions): Promise<CaptureAnalysis> {
  const tlsRows = analysis.conversations.filter((row) => row.protocol === 'tls');
  if (tlsRows.length === 0) return analysis;
  const frames = await readTlsFramesOf(
    file,
    analysis.index,
    tlsRows.map((row) => row.stream),
    { tsharkPath: options.tsharkPath, keyLogFile: options.tlsKeyLogFile, signal: options.signal },
  );
  const clients = new Map<number, Endpoint>(tlsRows.map((row) => [row.stream, row.client]));
  const sessions = tlsSessions(frames, clients);
  const replaced = new Map<number, StreamAnalysis>();
  for (const row of tlsRows) {
    const base = analysis.streams.get(row.stream);
    const session = sessions.get(row.stream);
    if (base && session) replaced.set(row.stream, analyzeTlsStream(base, session));
  }
  if (replaced.size === 0) return analysis;
  const streams = new OverlayStreamMap(analysis.streams, replaced);
  // Capture rules relate streams to each other: run them again when decrypted streams joined in,
  // over the streams they can need (a large capture's other streams stay on disk).
  let captureFindings: Finding[] = [];
  const anyDecrypted = [...replaced.values()].some((s) => s.tls?.records);
  if (anyDecrypted) {
    const known = new Set(analysis.findings.map(findingKey));
    const rows = analysis.conversations.map((row) => (replaced.has(row.stream) ? summarizeConversation(replaced.get(row.stream)!) : row));
    const needed = streamsForCaptureRules(rows, ALL_RULES).flatMap((stream) => streams.get(stream) ?? []);
    captureFindings = findCaptureViolations(needed, ALL_RULES).filter((f) => !known.has(findingKey(f)) || replaced.has(f.stream));
  }
  const findingsOf = new Map<number, Finding[]>();
  for (const [stream, analysed] of replaced) findingsOf.set(stream, [...analysed.findings]);
  for (const finding of captureFindings) {
    const list = findingsOf.get(finding.stream) ?? analysis.findings.filter((f) => f.stream === finding.stream);
    if (!list.some((f) => findingKey(f) === findingKey(finding))) list.push(finding);
    findingsOf.set(finding.stream, list);
  }
  for (const [stream, list] of findingsOf) {
    const current = streams.get(stream);
    if (current) replaced.set(stream, { ...current, findings: list });
  }
  const findings = [...analysis.findings.filter((f) => !findingsOf.has(f.stream)), ...[...findingsOf.values()].flat()].sort(
    (a, b) => a.stream - b.stream || a.frame - b.frame || a.offset - b.offset || a.ruleId.localeCompare(b.ruleId),
  );
  const conversations: ConversationSummary[] = analysis.conversations.map((row) => {
    const stream = replaced.get(row.stream);
    return stream ? summarizeConversation(stream) : row;
  });
  return { ...analysis, streams, conversations, findings, summary: { ...analysis.summary, findings: findings.length } };
}
