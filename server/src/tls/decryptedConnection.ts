/**
 * The decrypted application data of a TLS conversation as a TcpConnection, so it flows through
 * the same HTTP parser, rules, documents and diagnostics as plaintext: each direction's bytes
 * are its records' plaintexts in order, and each record is a span carried by the frame that
 * completed it. Records tshark could not decrypt become gaps (their plaintext length is unknown).
 * The TCP facts (endpoints, packets, FIN/RST and zero-window frames) are the transport's.
 */
import type { Direction, TlsRecordRef } from '../../../protocol/model';
import type { Gap, ReassembledDirection, SegmentSpan, TcpConnection } from '../tcp/tcpReassembler';
import type { TlsRecord, TlsSession } from './tlsSession';

export interface RecordSpan extends TlsRecordRef {
  /** Where the record's plaintext sits in the direction's decrypted bytes. */
  readonly offset: number;
  readonly length: number;
}

export interface DecryptedConnection {
  readonly connection: TcpConnection;
  readonly records: Readonly<Record<Direction, readonly RecordSpan[]>>;
}

function decryptDirection(transport: ReassembledDirection, records: readonly TlsRecord[], timeOf: (frame: number) => number): { direction: ReassembledDirection; spans: RecordSpan[] } {
  const chunks: Uint8Array[] = [];
  const spans: SegmentSpan[] = [];
  const recordSpans: RecordSpan[] = [];
  const gaps: Gap[] = [];
  let length = 0;
  for (const record of records) {
    if (!record.plaintext) {
      if (gaps[gaps.length - 1]?.offset !== length) gaps.push({ offset: length, missing: 0 });
      continue;
    }
    if (record.plaintext.length === 0) continue;
    spans.push({ offset: length, length: record.plaintext.length, frame: record.frame, time: timeOf(record.frame) });
    recordSpans.push({ offset: length, length: record.plaintext.length, frame: record.frame, index: record.index });
    chunks.push(record.plaintext);
    length += record.plaintext.length;
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return {
    direction: { bytes, spans, gaps: gaps.filter((gap) => gap.offset > 0 || length > 0), conflicts: [], finFrame: transport.finFrame, rstFrame: transport.rstFrame, zeroWindowFrames: transport.zeroWindowFrames },
    spans: recordSpans,
  };
}

export function decryptedConnection(transport: TcpConnection, session: TlsSession): DecryptedConnection {
  const times = new Map<number, number>();
  for (const direction of [transport.clientToServer, transport.serverToClient]) for (const span of direction.spans) times.set(span.frame, span.time);
  const timeOf = (frame: number) => times.get(frame) ?? transport.lastTime;
  const c2s = decryptDirection(transport.clientToServer, session.clientToServer, timeOf);
  const s2c = decryptDirection(transport.serverToClient, session.serverToClient, timeOf);
  return {
    connection: { ...transport, clientToServer: c2s.direction, serverToClient: s2c.direction },
    records: { 'client-to-server': c2s.spans, 'server-to-client': s2c.spans },
  };
}

/** The record holding decrypted byte `offset` of a direction. */
export function recordAt(records: readonly RecordSpan[], offset: number): TlsRecordRef | undefined {
  let low = 0;
  let high = records.length - 1;
  if (high < 0) return undefined;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (records[mid].offset <= offset) low = mid;
    else high = mid - 1;
  }
  const record = records[low];
  return { frame: record.frame, index: record.index };
}
