/**
 * On-demand reads, as microsoft/vscode-hexeditor reads ranges: given packet indices of the
 * capture index (in file order), read just those records, coalescing neighbours into one read,
 * and turn them into TcpSegment records the existing TcpReassembler consumes unchanged.
 */
import * as fs from 'node:fs';
import type { TcpSegment } from '../tshark/tcpSegment';
import { CaptureFileError } from './captureFileError';
import { CaptureDamageError, newCaptureRecord, Parsed, type CaptureRecord } from './captureRecord';
import { packetsOfStream, streamOfPacket, type IndexedConversation, type PacketColumns } from './captureIndex';
import { Decoded, decodeFrame, newDecodedTcp, type DecodedTcp } from './linkLayer';
import { parserFromInfo, type CaptureFormatInfo, type CaptureParser } from './recordReader';

/** What reading packets needs of an index; a worker gets exactly this. */
export interface PacketSourceData {
  readonly file: string;
  readonly format: CaptureFormatInfo;
  readonly packets: PacketColumns;
  /** Only the endpoints are read: a worker gets just those. */
  readonly conversations: readonly Pick<IndexedConversation, 'a' | 'b'>[];
  /** The file's size and mtime when indexed: a reader that finds it shorter, or rewritten in place, refuses it. */
  readonly size?: number;
  readonly mtimeMs?: number;
}

/** PacketSourceData plus where each stream's packets are: all a thread needs to read any stream. */
export interface StreamPacketData extends PacketSourceData {
  /** Stream s has packets streamStart[s] … streamStart[s + 1] - 1 (the columns are grouped by stream). */
  readonly streamStart: Int32Array;
}

export interface ReadOptions {
  /** Records closer than this are fetched in one read (default 256 KiB). */
  readonly maxGap?: number;
  /** Largest single read (default 8 MiB). */
  readonly maxRead?: number;
}

/** Reads records by packet index with synchronous, coalesced preads on one open file. */
export class PacketReader {
  private readonly fd: number;
  private readonly parser: CaptureParser;
  private buf = Buffer.allocUnsafe(1 << 20);
  private readonly record = newCaptureRecord();
  /** Bytes read from the file so far (tests check that a follow reads only its stream). */
  bytesRead = 0;
  private streamBuf = Buffer.allocUnsafeSlow(256 * 1024);

  constructor(private readonly data: Pick<PacketSourceData, 'file' | 'format' | 'packets' | 'size' | 'mtimeMs'>) {
    try {
      this.fd = fs.openSync(data.file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CaptureFileError(code === 'ENOENT' ? `${data.file} was deleted or moved after Wirelens opened it.` : `${data.file} cannot be read any more (${code}).`);
    }
    this.parser = parserFromInfo(data.format);
    if (data.size === undefined) return;
    // Appending (a capture still being written) keeps every indexed record where it was; anything else moves them.
    const now = fs.fstatSync(this.fd);
    if (now.size < data.size || (now.size === data.size && now.mtimeMs !== data.mtimeMs)) {
      fs.closeSync(this.fd);
      throw capturedChanged(data.file, now.size < data.size ? `it was ${data.size} bytes, it is ${now.size} now` : 'it was rewritten');
    }
  }

  /** Parses the indexed record of `packet` at buf[at…]; anything but that packet means the file changed. */
  private parseIndexed(buf: Buffer, at: number, packet: number): void {
    const { recordOffset, recordLength, frame } = this.data.packets;
    let outcome: Parsed;
    try {
      outcome = this.parser.parse(buf, at, at + recordLength[packet], recordOffset[packet], this.record, false);
    } catch (error) {
      if (!(error instanceof CaptureDamageError)) throw error;
      outcome = Parsed.OTHER;
    }
    if (outcome !== Parsed.PACKET) throw capturedChanged(this.data.file, `frame ${frame[packet]} is no longer at byte ${recordOffset[packet]}`);
    this.record.frame = frame[packet];
  }

  /** Reads exactly `length` bytes at `position` into buf[at…]; a short read means the file shrank. */
  private readFully(buf: Buffer, at: number, length: number, position: number): void {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, buf, at + got, length - got, position + got);
      if (n === 0) throw capturedChanged(this.data.file, `it ends before byte ${position + length} now`);
      got += n;
      this.bytesRead += n;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /**
   * Calls `visit(i, record, buf)` for each packet index in `indices` (ascending file order).
   * The record and buffer are reused between calls: copy what you keep.
   */
  read(indices: ArrayLike<number>, visit: (packet: number, record: CaptureRecord, buf: Buffer) => void, options: ReadOptions = {}): void {
    const { recordOffset, recordLength } = this.data.packets;
    const maxGap = options.maxGap ?? 256 * 1024;
    const maxRead = options.maxRead ?? 8 * 1024 * 1024;
    let k = 0;
    while (k < indices.length) {
      // A run of records to fetch with one read.
      const first = indices[k];
      const start = recordOffset[first];
      let end = start + recordLength[first];
      let last = k + 1;
      while (last < indices.length) {
        const next = indices[last];
        const nextStart = recordOffset[next];
        const nextEnd = nextStart + recordLength[next];
        if (nextStart - end > maxGap || nextEnd - start > maxRead) break;
        end = Math.max(end, nextEnd);
        last++;
      }
      const length = end - start;
      if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, this.buf.length * 2));
      this.readFully(this.buf, 0, length, start);
      for (let j = k; j < last; j++) {
        const packet = indices[j];
        this.parseIndexed(this.buf, recordOffset[packet] - start, packet);
        visit(packet, this.record, this.buf);
      }
      k = last;
    }
  }

  /**
   * Reads one stream's records into one buffer (records adjacent in the file in one read) and
   * calls `visit` for each. By default the buffer is the stream's own, so segments may keep views
   * into it; with `reuse` it is this reader's, overwritten by the next call (for callers that
   * reassemble before reading on: fewer large allocations, which glibc would keep as RSS).
   */
  readStream(indices: ArrayLike<number>, visit: (packet: number, record: CaptureRecord, buf: Buffer) => void, reuse = false): void {
    const { recordOffset, recordLength } = this.data.packets;
    let total = 0;
    for (let k = 0; k < indices.length; k++) total += recordLength[indices[k]];
    let buf: Buffer;
    if (reuse) {
      if (this.streamBuf.length < total) this.streamBuf = Buffer.allocUnsafeSlow(Math.max(total, Math.ceil(this.streamBuf.length * 1.5)));
      buf = this.streamBuf;
    } else {
      buf = Buffer.allocUnsafe(total);
    }
    let at = 0;
    for (let k = 0; k < indices.length; ) {
      const start = recordOffset[indices[k]];
      let end = start + recordLength[indices[k]];
      let last = k + 1;
      while (last < indices.length && recordOffset[indices[last]] === end) end += recordLength[indices[last++]];
      const length = end - start;
      this.readFully(buf, at, length, start);
      at += length;
      k = last;
    }
    at = 0;
    for (let k = 0; k < indices.length; k++) {
      const packet = indices[k];
      this.parseIndexed(buf, at, packet);
      visit(packet, this.record, buf);
      at += recordLength[packet];
    }
  }
}

/** The file is not what was indexed any more: results would be wrong, so the user must reopen it. */
function capturedChanged(file: string, how: string): CaptureFileError {
  return new CaptureFileError(`${file} changed after Wirelens opened it (${how}): open it again.`);
}

/**
 * tshark's window scaling (packet-tcp.c: the window is shifted by the sender's scale once both
 * SYNs agreed on it; SYNs are never scaled), replayed per stream in packet order.
 */
class WindowScale {
  a = -1;
  b = -1;

  /** The window tshark reports as `tcp.window_size` for this packet; updates the state. */
  apply(fromA: boolean, tcp: DecodedTcp): number {
    const syn = (tcp.flags & 0x02) !== 0;
    const own = fromA ? this.a : this.b;
    const window = !syn && own >= 0 ? tcp.window * 2 ** own : tcp.window;
    if (syn) {
      let fwd = tcp.windowScale >= 0 ? Math.min(tcp.windowScale, 14) : own;
      let rev = fromA ? this.b : this.a;
      if (fwd === -1) {
        fwd = -2;
        rev = -2;
      } else if (tcp.flags & 0x10 && rev === -2) {
        fwd = -2;
      }
      if (fromA) {
        this.a = fwd;
        this.b = rev;
      } else {
        this.b = fwd;
        this.a = rev;
      }
    }
    return window;
  }
}

const NO_PAYLOAD = new Uint8Array(0);


/** Turns records of indexed packets into TcpSegments (payload copied out of the read buffer). */
export class SegmentMaker {
  private readonly tcp = newDecodedTcp();
  private readonly scales = new Map<number, WindowScale>();
  /** The stream of the last packet made and its run of packet indices (packets come stream by stream). */
  private stream = -1;
  private runStart = 0;
  private runEnd = 0;

  constructor(private readonly data: Pick<StreamPacketData, 'file' | 'packets' | 'conversations' | 'streamStart'>) {}

  /** `copy` false: the payload is a view into `buf`, which the caller must not reuse. */
  make(packet: number, record: CaptureRecord, buf: Buffer, copy = true): TcpSegment {
    const tcp = this.tcp;
    const outcome = decodeFrame(record.linkType, buf, record.dataStart, record.dataStart + record.capturedLength, tcp);
    if (outcome !== Decoded.TCP) throw capturedChanged(this.data.file, `frame ${record.frame} is no longer a TCP packet`);
    const stream = this.streamOf(packet);
    const fromA = this.data.packets.fromA[packet] === 1;
    const conversation = this.data.conversations[stream];
    let scale = this.scales.get(stream);
    if (!scale) {
      scale = new WindowScale();
      this.scales.set(stream, scale);
    }
    const payloadEnd = tcp.payloadStart + tcp.payloadLength;
    return {
      frame: record.frame,
      time: record.time,
      stream,
      src: fromA ? conversation.a : conversation.b,
      dst: fromA ? conversation.b : conversation.a,
      seq: tcp.seq,
      flags: tcp.flags,
      window: scale.apply(fromA, tcp),
      payload: tcp.payloadLength === 0 ? NO_PAYLOAD : copy ? new Uint8Array(buf.subarray(tcp.payloadStart, payloadEnd)) : buf.subarray(tcp.payloadStart, payloadEnd),
      capturedLength: record.capturedLength,
    };
  }

  /** Forgets a stream's window state (its last packet was made). */
  forget(stream: number): void {
    this.scales.delete(stream);
  }

  private streamOf(packet: number): number {
    if (packet < this.runStart || packet >= this.runEnd) {
      this.stream = streamOfPacket(this.data.streamStart, packet);
      this.runStart = this.data.streamStart[this.stream];
      this.runEnd = this.data.streamStart[this.stream + 1];
    }
    return this.stream;
  }
}

/**
 * One stream's segments through `reassemble` with the reader's own buffer (the segments point
 * into it, so they must not outlive `reassemble`).
 */
export function withStreamSegments<T>(reader: PacketReader, maker: SegmentMaker, index: StreamPacketData, stream: number, reassemble: (segments: TcpSegment[]) => T): T {
  const segments: TcpSegment[] = [];
  reader.readStream(packetsOfStream(index, stream), (packet, record, buf) => segments.push(maker.make(packet, record, buf, false)), true);
  maker.forget(stream);
  return reassemble(segments);
}

/** The TCP segments of one stream, read on demand. */
export function readStreamSegments(index: StreamPacketData, stream: number): TcpSegment[] {
  if (!(stream >= 0 && stream < index.streamStart.length - 1)) return [];
  const reader = new PacketReader(index);
  try {
    const maker = new SegmentMaker(index);
    const segments: TcpSegment[] = [];
    reader.readStream(packetsOfStream(index, stream), (packet, record, buf) => segments.push(maker.make(packet, record, buf, false)));
    return segments;
  } finally {
    reader.close();
  }
}
