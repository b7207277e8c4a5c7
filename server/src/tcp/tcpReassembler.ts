/**
 * Rebuilds each direction of each TCP connection from captured segments: ordered by sequence
 * number (with 32-bit wrap-around), exact retransmissions dropped, overlaps resolved in favour
 * of the segment that starts earlier in sequence order, as tshark's follow does (and reported
 * when the copies differ), gaps marked rather than invented.
 */
import type { Direction, Endpoint } from '../../../protocol/model';
import { TcpFlag, type TcpSegment } from '../tshark/tcpSegment';

/** Which frame carried the reassembled bytes [offset, offset + length). */
export interface SegmentSpan {
  readonly offset: number;
  readonly length: number;
  readonly frame: number;
  readonly time: number;
}

export interface Gap {
  /** Offset in the reassembled bytes where the missing bytes would have been. */
  readonly offset: number;
  readonly missing: number;
}

export interface OverlapConflict {
  readonly offset: number;
  readonly length: number;
  readonly frame: number;
  /** The retransmitted copy of [offset, offset + length): the bytes that were not kept. */
  readonly data: Uint8Array;
}

export interface ReassembledDirection {
  readonly bytes: Uint8Array;
  readonly spans: readonly SegmentSpan[];
  readonly gaps: readonly Gap[];
  readonly conflicts: readonly OverlapConflict[];
  /** Frames of FIN and RST segments sent in this direction. */
  readonly finFrame?: number;
  readonly rstFrame?: number;
  /** Frames in which this direction's sender advertised a zero receive window. */
  readonly zeroWindowFrames: readonly number[];
}

export interface TcpConnection {
  readonly stream: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** False when no SYN was captured and the client was guessed. */
  readonly clientKnown: boolean;
  readonly packets: number;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly clientToServer: ReassembledDirection;
  readonly serverToClient: ReassembledDirection;
}

export function directionOf(connection: TcpConnection, direction: Direction): ReassembledDirection {
  return direction === 'client-to-server' ? connection.clientToServer : connection.serverToClient;
}

/** The segment run holding reassembled byte `offset` (the last one for offsets past the end). */
export function spanAt(direction: ReassembledDirection, offset: number): SegmentSpan | undefined {
  const spans = direction.spans;
  let low = 0;
  let high = spans.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (spans[mid].offset <= offset) low = mid;
    else high = mid - 1;
  }
  return spans[low];
}

/** The frame holding reassembled byte `offset` of a direction (the last frame for offsets past the end). */
export function frameAt(direction: ReassembledDirection, offset: number): number {
  return spanAt(direction, offset)?.frame ?? 0;
}

const TWO_32 = 0x1_0000_0000;

/** Signed distance from `from` to `to` in 32-bit sequence space (RFC 9293 §3.4 arithmetic). */
function seqDistance(from: number, to: number): number {
  const d = (to - from + TWO_32) % TWO_32;
  return d >= TWO_32 / 2 ? d - TWO_32 : d;
}

class DirectionBuilder {
  private readonly segments: TcpSegment[] = [];
  private synSeq?: number;
  private finFrame?: number;
  private rstFrame?: number;
  private readonly zeroWindowFrames: number[] = [];

  add(segment: TcpSegment): void {
    if (segment.window === 0 && !(segment.flags & (TcpFlag.RST | TcpFlag.SYN))) this.zeroWindowFrames.push(segment.frame);
    if (segment.flags & TcpFlag.SYN && this.synSeq === undefined) this.synSeq = segment.seq;
    if (segment.flags & TcpFlag.FIN && this.finFrame === undefined) this.finFrame = segment.frame;
    if (segment.flags & TcpFlag.RST && this.rstFrame === undefined) this.rstFrame = segment.frame;
    if (segment.payload.length === 0) return;
    // A SYN takes one sequence number before its data (RFC 9293 §3.4): SYN data (TCP Fast Open) starts at seq + 1.
    this.segments.push(segment.flags & TcpFlag.SYN ? { ...segment, seq: (segment.seq + 1) % TWO_32 } : segment);
  }

  build(): ReassembledDirection {
    const flags = { finFrame: this.finFrame, rstFrame: this.rstFrame, zeroWindowFrames: this.zeroWindowFrames };
    const empty = { bytes: new Uint8Array(0), spans: [], gaps: [], conflicts: [], ...flags };
    if (this.segments.length === 0) return empty;
    // Data starts one past the SYN's sequence number; without a SYN, at the lowest sequence seen.
    const reference = this.segments[0].seq;
    const relative = (seq: number) => seqDistance(reference, seq);
    const start =
      this.synSeq !== undefined
        ? relative((this.synSeq + 1) % TWO_32)
        : this.segments.reduce((lowest, s) => Math.min(lowest, relative(s.seq)), Infinity); // no spread: it overflows the stack past ~120k segments
    const ordered = this.segments
      .map((segment, arrival) => ({ segment, arrival, at: relative(segment.seq) - start }))
      .sort((a, b) => a.at - b.at || a.arrival - b.arrival);

    const chunks: Uint8Array[] = [];
    const spans: SegmentSpan[] = [];
    const gaps: Gap[] = [];
    const conflicts: OverlapConflict[] = [];
    let sequenceCursor = 0; // next expected byte, in sequence space relative to the stream start
    let outputLength = 0; // bytes emitted so far (sequence space minus gaps)
    for (const { segment, at } of ordered) {
      const payload = segment.payload;
      const end = at + payload.length;
      if (end <= sequenceCursor) {
        this.checkOverlap(payload, at, sequenceCursor, outputLength, chunks, segment.frame, conflicts);
        continue; // retransmission of bytes we already have
      }
      if (at > sequenceCursor) {
        gaps.push({ offset: outputLength, missing: at - sequenceCursor });
        sequenceCursor = at;
      }
      const skip = sequenceCursor - at;
      if (skip > 0) this.checkOverlap(payload.subarray(0, skip), at, sequenceCursor, outputLength, chunks, segment.frame, conflicts);
      const fresh = payload.subarray(skip);
      spans.push({ offset: outputLength, length: fresh.length, frame: segment.frame, time: segment.time });
      chunks.push(fresh);
      outputLength += fresh.length;
      sequenceCursor = end;
    }
    return { bytes: concat(chunks, outputLength), spans, gaps, conflicts, ...flags };
  }

  /** Compares retransmitted bytes with the ones already emitted for the same sequence range. */
  private checkOverlap(
    payload: Uint8Array,
    at: number,
    sequenceCursor: number,
    outputLength: number,
    chunks: readonly Uint8Array[],
    frame: number,
    conflicts: OverlapConflict[],
  ): void {
    // Map sequence position `at` to an output offset: the bytes between it and the cursor are
    // the last (sequenceCursor - at) bytes emitted, unless a gap intervened (then we cannot compare).
    const back = sequenceCursor - at;
    if (back > outputLength) return;
    const emitted = lastBytes(chunks, back);
    const length = Math.min(payload.length, back);
    for (let i = 0; i < length; i++) {
      if (emitted[i] !== payload[i]) {
        conflicts.push({ offset: outputLength - back, length, frame, data: payload.slice(0, length) });
        return;
      }
    }
  }
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** The last `count` bytes of the concatenation of `chunks`. */
function lastBytes(chunks: readonly Uint8Array[], count: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let needed = count;
  for (let i = chunks.length - 1; i >= 0 && needed > 0; i--) {
    const chunk = chunks[i];
    const take = Math.min(needed, chunk.length);
    parts.unshift(chunk.subarray(chunk.length - take));
    needed -= take;
  }
  return concat(parts, count - needed);
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port;
}

class ConnectionBuilder {
  readonly first: Endpoint;
  readonly second: Endpoint;
  private readonly fromFirst = new DirectionBuilder();
  private readonly fromSecond = new DirectionBuilder();
  private clientIsFirst?: boolean;
  private packets = 0;
  private firstTime = Infinity;
  private lastTime = -Infinity;

  constructor(readonly stream: number, segment: TcpSegment) {
    this.first = segment.src;
    this.second = segment.dst;
  }

  add(segment: TcpSegment): void {
    this.packets++;
    this.firstTime = Math.min(this.firstTime, segment.time);
    this.lastTime = Math.max(this.lastTime, segment.time);
    const isFirst = sameEndpoint(segment.src, this.first);
    if (this.clientIsFirst === undefined && segment.flags & TcpFlag.SYN) {
      // The SYN without ACK comes from the client; a SYN+ACK from the server.
      const fromClient = !(segment.flags & TcpFlag.ACK);
      this.clientIsFirst = fromClient === isFirst;
    }
    (isFirst ? this.fromFirst : this.fromSecond).add(segment);
  }

  build(guessClientIsFirst: (first: ReassembledDirection, second: ReassembledDirection, a: Endpoint, b: Endpoint) => boolean): TcpConnection {
    const a = this.fromFirst.build();
    const b = this.fromSecond.build();
    const clientKnown = this.clientIsFirst !== undefined;
    const clientIsFirst = this.clientIsFirst ?? guessClientIsFirst(a, b, this.first, this.second);
    return {
      stream: this.stream,
      client: clientIsFirst ? this.first : this.second,
      server: clientIsFirst ? this.second : this.first,
      clientKnown,
      packets: this.packets,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      clientToServer: clientIsFirst ? a : b,
      serverToClient: clientIsFirst ? b : a,
    };
  }
}

/**
 * Without a SYN: the side whose bytes start like an HTTP response is the server; otherwise the
 * side with the higher (ephemeral-looking) port is the client; otherwise the first sender.
 */
export function guessClientByContent(first: ReassembledDirection, second: ReassembledDirection, a: Endpoint, b: Endpoint): boolean {
  const looksLikeResponse = (d: ReassembledDirection) => d.bytes.length >= 5 && String.fromCharCode(...d.bytes.subarray(0, 5)) === 'HTTP/';
  if (looksLikeResponse(second) && !looksLikeResponse(first)) return true;
  if (looksLikeResponse(first) && !looksLikeResponse(second)) return false;
  if (a.port !== b.port) return a.port > b.port;
  return true;
}

export class TcpReassembler {
  private readonly connections = new Map<number, ConnectionBuilder>();

  add(segment: TcpSegment): void {
    let connection = this.connections.get(segment.stream);
    if (!connection) {
      connection = new ConnectionBuilder(segment.stream, segment);
      this.connections.set(segment.stream, connection);
    }
    connection.add(segment);
  }

  /** All connections, in tshark's stream order. */
  finish(): TcpConnection[] {
    return [...this.connections.values()].sort((x, y) => x.stream - y.stream).map((c) => c.build(guessClientByContent));
  }
}
