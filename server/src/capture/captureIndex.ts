/**
 * The index of a capture, built in one streaming pass when it opens: every TCP conversation
 * (tshark's stream ids, endpoints, times, frame and byte counts) and, per TCP packet, where its
 * record is in the file. Following a stream then reads only that stream's records; the full scan
 * reads the file once more in big sequential reads, with the work split between threads.
 *
 * Packet columns live in SharedArrayBuffers so scan workers see them without a copy. They are
 * grouped by stream (a stream's packets are one run of indices), so no per-packet stream id or
 * packet list is kept: 17 bytes per TCP packet (16 MiB for a million packets); conversations are
 * small objects.
 */
import * as fs from 'node:fs/promises';
import type { Endpoint, StreamProtocol } from '../../../protocol/model';
import { NO_LINK_TYPE, type CaptureRecord } from './captureRecord';
import type { CaptureFileFacts } from '../tshark/captureInfo';
import { addressText, Decoded, decodeFrame, newDecodedTcp } from './linkLayer';
import { fileEncapsulationName } from './linkTypeNames';
import { CaptureFileError } from './captureFileError';
import { formatInfoOf, readRecords, sniffCaptureFormat, type CaptureFormatInfo, type ReadProblem } from './recordReader';
import { TcpStreamTable } from './tcpStreamTable';

/** One TCP conversation as the index knows it (before any reassembly). */
export interface IndexedConversation {
  /** tshark's `tcp.stream`. */
  readonly stream: number;
  /** Side A sent the conversation's first packet (tshark's conversation table puts it left). */
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** True when a SYN said which side opened the connection; otherwise guessed (HTTP response, ports). */
  readonly clientKnown: boolean;
  readonly packets: number;
  readonly framesAToB: number;
  readonly framesBToA: number;
  /** Bytes of whole frames as on the wire (`frame.len`), as tshark's `-z conv,tcp` counts them. */
  readonly bytesAToB: number;
  readonly bytesBToA: number;
  /** TCP payload bytes, both directions, each sequence range counted once (retransmissions are not). */
  readonly payloadBytes: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly firstTime: number;
  readonly lastTime: number;
  /** From the first payload bytes of each side; the full scan replaces it with the parser's answer. */
  readonly protocol: StreamProtocol;
}

/**
 * Per TCP packet, grouped by stream: stream s has packets streamStart[s] … streamStart[s + 1] - 1
 * (CaptureIndex), in file order. Index i of every column is the same packet.
 */
export interface PacketColumns {
  readonly count: number;
  readonly recordOffset: Float64Array;
  readonly recordLength: Uint32Array;
  readonly frame: Uint32Array;
  /** 1 when the packet went from side A to side B. */
  readonly fromA: Uint8Array;
}

export interface CaptureIndex {
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly format: CaptureFormatInfo;
  /** Every packet record of the file (tshark's last `frame.number`). */
  readonly frames: number;
  /** Time of frame 1: tshark's conversation table gives starts relative to it. */
  readonly firstTime: number;
  /** Earliest and latest packet time (capinfos' first and last packet time); none without packets, or when one has no timestamp. */
  readonly timeSpan?: { readonly earliest: number; readonly latest: number };
  /** The link type of every interface of the file (pcap: one). */
  readonly linkTypes: readonly number[];
  /** The file ends in the middle of a record, or is damaged: what came before was indexed. */
  readonly problem?: ReadProblem;
  readonly conversations: readonly IndexedConversation[];
  readonly packets: PacketColumns;
  /** Stream s has packets streamStart[s] … streamStart[s + 1] - 1; streamStart[streams] = packet count. */
  readonly streamStart: Int32Array;
  /** Milliseconds the pass took. */
  readonly buildMs: number;
}

export type IndexOutcome = { readonly index: CaptureIndex } | { readonly unsupported: string };

export interface IndexOptions {
  readonly signal?: AbortSignal;
  /** Bytes per read (readRecords' default unless given; the fuzz checks the index does not depend on it). */
  readonly chunkSize?: number;
  readonly onProgress?: (packets: number, fraction: number) => void;
  /**
   * The conversations found so far, after each chunk read, with the file's size: the array grows
   * and its entries' counts change until the pass ends (rows can be listed before it does).
   */
  readonly onConversations?: (conversations: readonly IndexedConversation[], fileSize: number) => void;
}

const SYN = 0x02;
const ACK = 0x10;
const TWO_32 = 0x1_0000_0000;

const enum FirstBytes {
  NONE = 0,
  OTHER = 1,
  HTTP_REQUEST = 2,
  HTTP_RESPONSE = 3,
  TLS = 4,
  HTTP2 = 5,
}

function classifyFirstBytes(buf: Uint8Array, at: number, length: number): FirstBytes {
  if (length >= 3 && buf[at] === 0x16 && buf[at + 1] === 0x03 && buf[at + 2] <= 0x04) return FirstBytes.TLS;
  if (length >= 5 && buf[at] === 0x48 && buf[at + 1] === 0x54 && buf[at + 2] === 0x54 && buf[at + 3] === 0x50 && buf[at + 4] === 0x2f) return FirstBytes.HTTP_RESPONSE;
  if (length >= 14 && String.fromCharCode(...buf.subarray(at, at + 14)) === 'PRI * HTTP/2.0') return FirstBytes.HTTP2;
  // A request line starts with a method token (upper-case letters here) and a space.
  let i = 0;
  while (i < length && i < 16 && buf[at + i] >= 0x41 && buf[at + i] <= 0x5a) i++;
  if (i > 0 && i < length && buf[at + i] === 0x20) return FirstBytes.HTTP_REQUEST;
  return FirstBytes.OTHER;
}

/** Mutable while the pass runs; handed out as IndexedConversation. */
class ConversationBuilder implements IndexedConversation {
  packets = 0;
  framesAToB = 0;
  framesBToA = 0;
  bytesAToB = 0;
  bytesBToA = 0;
  payloadBytes = 0;
  lastFrame: number;
  lastTime: number;
  /** 0 unknown, 1 side A opened the connection, 2 side B did. */
  private opener = 0;
  private firstA = FirstBytes.NONE;
  private firstB = FirstBytes.NONE;
  /** Highest sequence number reached per side (relative counting of fresh payload). */
  private highA = 0;
  private highB = 0;

  constructor(
    readonly stream: number,
    readonly a: Endpoint,
    readonly b: Endpoint,
    readonly firstFrame: number,
    readonly firstTime: number,
  ) {
    this.lastFrame = firstFrame;
    this.lastTime = firstTime;
  }

  add(fromA: boolean, record: CaptureRecord, flags: number, seq: number, buf: Uint8Array, payloadStart: number, payloadLength: number): void {
    this.packets++;
    this.lastFrame = record.frame;
    if (record.time > this.lastTime) this.lastTime = record.time;
    if (fromA) {
      this.framesAToB++;
      this.bytesAToB += record.originalLength;
    } else {
      this.framesBToA++;
      this.bytesBToA += record.originalLength;
    }
    if (this.opener === 0 && flags & SYN) this.opener = (flags & ACK ? !fromA : fromA) ? 1 : 2;
    if (payloadLength === 0) return;
    const start = flags & SYN ? (seq + 1) % TWO_32 : seq;
    const end = (start + payloadLength) % TWO_32;
    const first = fromA ? this.firstA : this.firstB;
    if (first === FirstBytes.NONE) {
      this.payloadBytes += payloadLength;
      if (fromA) {
        this.firstA = classifyFirstBytes(buf, payloadStart, payloadLength);
        this.highA = end;
      } else {
        this.firstB = classifyFirstBytes(buf, payloadStart, payloadLength);
        this.highB = end;
      }
      return;
    }
    const high = fromA ? this.highA : this.highB;
    const ahead = seqDistance(high, end);
    if (ahead <= 0) return;
    this.payloadBytes += Math.min(ahead, payloadLength);
    if (fromA) this.highA = end;
    else this.highB = end;
  }

  private clientIsA(): boolean {
    if (this.opener !== 0) return this.opener === 1;
    if (this.firstB === FirstBytes.HTTP_RESPONSE && this.firstA !== FirstBytes.HTTP_RESPONSE) return true;
    if (this.firstA === FirstBytes.HTTP_RESPONSE && this.firstB !== FirstBytes.HTTP_RESPONSE) return false;
    if (this.a.port !== this.b.port) return this.a.port > this.b.port;
    return true;
  }

  get clientKnown(): boolean {
    return this.opener !== 0;
  }

  get client(): Endpoint {
    return this.clientIsA() ? this.a : this.b;
  }

  get server(): Endpoint {
    return this.clientIsA() ? this.b : this.a;
  }

  get protocol(): StreamProtocol {
    const fromClient = this.clientIsA() ? this.firstA : this.firstB;
    const fromServer = this.clientIsA() ? this.firstB : this.firstA;
    if (fromClient === FirstBytes.TLS) return 'tls';
    if (fromClient === FirstBytes.HTTP2) return 'http2';
    if (fromClient === FirstBytes.HTTP_REQUEST || fromServer === FirstBytes.HTTP_RESPONSE) return 'http';
    if (fromClient === FirstBytes.NONE && fromServer === FirstBytes.NONE) return 'empty';
    return 'tcp';
  }

  /** A plain, structured-clonable copy (for workers and JSON). */
  toJSON(): IndexedConversation {
    const { stream, a, b, client, server, clientKnown, packets, framesAToB, framesBToA, bytesAToB, bytesBToA, payloadBytes, firstFrame, lastFrame, firstTime, lastTime, protocol } = this;
    return { stream, a, b, client, server, clientKnown, packets, framesAToB, framesBToA, bytesAToB, bytesBToA, payloadBytes, firstFrame, lastFrame, firstTime, lastTime, protocol };
  }
}

function seqDistance(from: number, to: number): number {
  const d = (to - from + TWO_32) % TWO_32;
  return d >= TWO_32 / 2 ? d - TWO_32 : d;
}

type Releasable = ArrayBuffer & { resize(byteLength: number): void };
/** ES2024's resizable ArrayBuffer (Node 20 has it; the TypeScript lib here is ES2022). */
const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => Releasable;

/** A buffer whose memory goes back to the system when release() shrinks it to nothing, not at some later garbage collection. */
function releasable(byteLength: number): Releasable {
  return new ResizableArrayBuffer(byteLength, { maxByteLength: byteLength });
}

function release(column: ArrayBufferView): void {
  (column.buffer as Releasable).resize(0);
}

/**
 * Growable packet columns in file order, SharedArrayBuffer-backed, with each packet's stream in a
 * column of its own; at the end they are grouped by stream in place, so the index is built in
 * the memory it keeps, and the stream column is released at once: a copy, or a column left for
 * the garbage collector, would hold tens of MiB that an idle main thread may not collect for a
 * long time.
 */
class ColumnBuilder {
  count = 0;
  private capacity: number;
  recordOffset: Float64Array;
  recordLength: Uint32Array;
  frame: Uint32Array;
  fromA: Uint8Array;
  stream: Int32Array;

  constructor(initial: number) {
    this.capacity = Math.max(1024, initial);
    this.recordOffset = new Float64Array(new SharedArrayBuffer(this.capacity * 8));
    this.recordLength = new Uint32Array(new SharedArrayBuffer(this.capacity * 4));
    this.frame = new Uint32Array(new SharedArrayBuffer(this.capacity * 4));
    this.fromA = new Uint8Array(new SharedArrayBuffer(this.capacity));
    this.stream = new Int32Array(releasable(this.capacity * 4), 0, this.capacity);
  }

  push(recordOffset: number, recordLength: number, frame: number, stream: number, fromA: boolean): void {
    if (this.count === this.capacity) this.resize(this.capacity * 2);
    const i = this.count++;
    this.recordOffset[i] = recordOffset;
    this.recordLength[i] = recordLength;
    this.frame[i] = frame;
    this.fromA[i] = fromA ? 1 : 0;
    this.stream[i] = stream;
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(old: T, make: (length: number) => T): T => {
      const fresh = make(capacity);
      fresh.set(old.subarray(0, this.count) as never);
      if (old.buffer instanceof ArrayBuffer) release(old); // the stream column (shared buffers cannot shrink)
      return fresh;
    };
    this.recordOffset = grow(this.recordOffset, (n) => new Float64Array(new SharedArrayBuffer(n * 8)));
    this.recordLength = grow(this.recordLength, (n) => new Uint32Array(new SharedArrayBuffer(n * 4)));
    this.frame = grow(this.frame, (n) => new Uint32Array(new SharedArrayBuffer(n * 4)));
    this.fromA = grow(this.fromA, (n) => new Uint8Array(new SharedArrayBuffer(n)));
    this.stream = grow(this.stream, (n) => new Int32Array(releasable(n * 4), 0, n));
    this.capacity = capacity;
  }

  /**
   * Groups the columns by stream in place, each stream's packets staying in file order: a counting
   * sort gives every packet its place (written over its stream id), then each column is scattered
   * to those places through one scratch buffer and copied back (independent writes, which the
   * CPU overlaps; following the permutation's cycles instead is a chain of dependent cache misses,
   * twice as slow). Spare capacity was never written: address space, not memory.
   */
  groupByStream(streams: number): { packets: PacketColumns; streamStart: Int32Array } {
    if (this.capacity > this.count * 4 + 65536) this.resize(this.count);
    const { count, recordOffset, recordLength, frame, fromA } = this;
    const place = this.stream;
    const streamStart = new Int32Array(new SharedArrayBuffer((streams + 1) * 4));
    for (let i = 0; i < count; i++) streamStart[place[i] + 1]++;
    for (let s = 0; s < streams; s++) streamStart[s + 1] += streamStart[s];
    const next = Int32Array.from(streamStart.subarray(0, streams));
    for (let i = 0; i < count; i++) place[i] = next[place[i]]++;
    const scratch = releasable(Math.max(1, count) * 8);
    const offsets = new Float64Array(scratch, 0, count);
    for (let i = 0; i < count; i++) offsets[place[i]] = recordOffset[i];
    recordOffset.set(offsets);
    const words = new Uint32Array(scratch, 0, count);
    for (let i = 0; i < count; i++) words[place[i]] = recordLength[i];
    recordLength.set(words);
    for (let i = 0; i < count; i++) words[place[i]] = frame[i];
    frame.set(words);
    const flags = new Uint8Array(scratch, 0, count);
    for (let i = 0; i < count; i++) flags[place[i]] = fromA[i];
    fromA.set(flags);
    scratch.resize(0);
    release(place);
    return {
      packets: { count, recordOffset: recordOffset.subarray(0, count), recordLength: recordLength.subarray(0, count), frame: frame.subarray(0, count), fromA: fromA.subarray(0, count) },
      streamStart,
    };
  }
}

/**
 * Builds the index of a pcap or pcapng file, or says why the direct reader cannot (another
 * format, a link type or encapsulation it does not decode): then tshark reads the file instead.
 */
export async function buildCaptureIndex(file: string, options: IndexOptions = {}): Promise<IndexOutcome> {
  const started = performance.now();
  const stat = await fs.stat(file);
  const parser = await sniffCaptureFormat(file);
  if (!parser) return { unsupported: 'not a pcap or pcapng file' };
  const table = new TcpStreamTable();
  const conversations: ConversationBuilder[] = [];
  const columns = new ColumnBuilder(Math.ceil(stat.size / 512));
  const tcp = newDecodedTcp();
  let unsupported: string | undefined;
  let firstTime = 0;
  let timesKnown = true;
  let earliest = Infinity;
  let latest = -Infinity;
  const outcome = await readRecords(
    file,
    parser,
    (record, buf) => {
      if (record.frame === 1) firstTime = record.time;
      if (record.linkType === NO_LINK_TYPE) return true;
      // As capinfos: one packet without a timestamp (a pcapng simple packet block) leaves the span unknown.
      if (!record.timed) timesKnown = false;
      if (record.time < earliest) earliest = record.time;
      if (record.time > latest) latest = record.time;
      const end = record.dataStart + record.capturedLength;
      const decoded = decodeFrame(record.linkType, buf, record.dataStart, end, tcp);
      if (decoded === Decoded.NOT_TCP) return true;
      if (decoded === Decoded.UNSUPPORTED) {
        unsupported = `frame ${record.frame}: ${tcp.reason}`;
        return false;
      }
      const stream = table.assign(buf, tcp.ipVersion, tcp.srcAddress, tcp.dstAddress, tcp.srcPort, tcp.dstPort, tcp.flags, tcp.seq, tcp.ack);
      if (table.isNew) {
        conversations.push(
          new ConversationBuilder(
            stream,
            { address: addressText(tcp.ipVersion, buf, tcp.srcAddress), port: tcp.srcPort },
            { address: addressText(tcp.ipVersion, buf, tcp.dstAddress), port: tcp.dstPort },
            record.frame,
            record.time,
          ),
        );
      }
      conversations[stream].add(table.fromA, record, tcp.flags, tcp.seq, buf, tcp.payloadStart, tcp.payloadLength);
      columns.push(record.recordOffset, record.recordLength, record.frame, stream, table.fromA);
      return true;
    },
    {
      signal: options.signal,
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      onChunk: (offset) => {
        options.onProgress?.(columns.count, Math.min(0.99, offset / Math.max(1, stat.size)));
        options.onConversations?.(conversations, stat.size);
      },
    },
  );
  if (unsupported) return { unsupported };
  if (outcome.problem && outcome.frames === 0) throw new CaptureFileError(`${problemSentence(file, outcome.problem)}, before its first packet: there is nothing to read.`);
  const { packets, streamStart } = columns.groupByStream(conversations.length);
  options.onProgress?.(packets.count, 1);
  return {
    index: {
      file,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      format: formatInfoOf(parser),
      frames: outcome.frames,
      firstTime,
      ...(timesKnown && earliest <= latest ? { timeSpan: { earliest, latest } } : {}),
      linkTypes: parser.linkTypes(),
      ...(outcome.problem ? { problem: outcome.problem } : {}),
      conversations,
      packets,
      streamStart,
      buildMs: performance.now() - started,
    },
  };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Where and how a read stopped early, as the start of a sentence. */
function problemSentence(file: string, problem: ReadProblem): string {
  return problem.kind === 'cut'
    ? `${file} was cut short at byte ${problem.end}, in the middle of a record (${problem.have} of at least ${plural(problem.need, 'byte')})`
    : `${file} is damaged at byte ${problem.offset} (${problem.reason})`;
}

/**
 * The capture editor header's file facts as capinfos gives them (link type, first and last packet
 * time), from the index: undefined when a link type has no name here (capinfos is asked then).
 */
export function indexFileFacts(index: Pick<CaptureIndex, 'linkTypes' | 'timeSpan'>): CaptureFileFacts | undefined {
  const linkType = fileEncapsulationName(index.linkTypes);
  if (!linkType) return undefined;
  return { linkType, ...(index.timeSpan ? { firstTime: index.timeSpan.earliest, lastTime: index.timeSpan.latest } : {}) };
}

/**
 * What a user must know about an indexed capture besides its findings, one sentence each: a
 * file cut short or damaged (results are partial), no packets, no TCP packets.
 */
export function indexWarnings(index: Pick<CaptureIndex, 'file' | 'frames' | 'problem' | 'packets'>): string[] {
  const { file, frames, problem } = index;
  if (problem) return [`${problemSentence(file, problem)}: only ${frames === 1 ? 'the frame before it was' : `the ${frames} frames before it were`} read, so results are partial.`];
  if (frames === 0) return [`${file} holds no packets.`];
  if (index.packets.count === 0) return [`${frames === 1 ? `The only frame in ${file} is not` : `None of the ${frames} frames in ${file} is`} a TCP packet, so there is nothing to analyse.`];
  return [];
}

/** The packet indices of one stream, in file order: its run streamStart[s] … streamStart[s + 1] - 1. */
export function packetsOfStream(index: Pick<CaptureIndex, 'streamStart'>, stream: number): Int32Array {
  const first = index.streamStart[stream];
  const indices = new Int32Array(index.streamStart[stream + 1] - first);
  for (let i = 0; i < indices.length; i++) indices[i] = first + i;
  return indices;
}

/** Every packet index in file order (for a pass over the whole capture). */
export function packetsInFileOrder(packets: PacketColumns): Int32Array {
  const order = new Int32Array(packets.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => packets.frame[a] - packets.frame[b]);
}

/** The stream whose run of packets holds packet `packet` (a binary search of streamStart). */
export function streamOfPacket(streamStart: Int32Array, packet: number): number {
  let low = 0;
  let high = streamStart.length - 2;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (streamStart[middle] <= packet) low = middle;
    else high = middle - 1;
  }
  return low;
}
