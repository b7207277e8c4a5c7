/**
 * Opens a capture for direct reading and walks its records in one streaming pass over large
 * chunks (no per-packet allocation, no per-packet await). Anything but pcap and pcapng is left to
 * tshark: `sniffCaptureFormat` answers undefined for it.
 */
import * as fs from 'node:fs';
import { CaptureFileError } from './captureFileError';
import { CaptureDamageError, newCaptureRecord, Parsed, type CaptureRecord, type RecordParser } from './captureRecord';
import { isPcap, PcapParser } from './pcapReader';
import { isPcapng, PcapngParser, type PcapngSection } from './pcapngReader';

export type CaptureParser = PcapParser | PcapngParser;

/** What a reader needs to parse single records later, in this thread or another (structured-clonable). */
export type CaptureFormatInfo =
  | { readonly format: 'pcap'; readonly header: Uint8Array }
  | { readonly format: 'pcapng'; readonly sections: readonly PcapngSection[] };

export function formatInfoOf(parser: CaptureParser): CaptureFormatInfo {
  return parser instanceof PcapParser ? { format: 'pcap', header: parser.header } : { format: 'pcapng', sections: parser.sections };
}

/** A parser for on-demand reads of a file whose format was learnt by a streaming pass. */
export function parserFromInfo(info: CaptureFormatInfo): CaptureParser {
  if (info.format === 'pcap') return new PcapParser(Buffer.from(info.header.buffer, info.header.byteOffset, info.header.byteLength));
  const parser = new PcapngParser();
  for (const section of info.sections) {
    parser.sections.push({ ...section, interfaces: [...section.interfaces], headerBlocks: section.headerBlocks.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)) });
  }
  return parser;
}

/** The parser for a pcap or pcapng file, or undefined for every other format (tshark reads those). */
export async function sniffCaptureFormat(file: string): Promise<CaptureParser | undefined> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const header = Buffer.alloc(24);
    const { bytesRead } = await handle.read(header, 0, 24, 0);
    const head = header.subarray(0, bytesRead);
    if (isPcapng(head)) return new PcapngParser();
    if (isPcap(head)) {
      if (bytesRead < 24) throw new CaptureFileError(`${file} is a pcap file cut short in its 24-byte file header (it has ${bytesRead} bytes), so it holds no packets.`);
      return new PcapParser(head);
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

export interface ReadRecordsOptions {
  readonly signal?: AbortSignal;
  /** Bytes per read; records longer than this still work (the buffer grows). */
  readonly chunkSize?: number;
  /** Called after each chunk with the file offset reached. */
  readonly onChunk?: (offset: number) => void;
}

/** Why a walk ended before the end of the file; the records before `offset` were all read. */
export type ReadProblem =
  /** The file ends inside a record (tshark: "cut short in the middle of a packet"): `have` of at least `need` bytes. */
  | { readonly kind: 'cut'; readonly offset: number; readonly end: number; readonly have: number; readonly need: number }
  /** A record no writer would produce (tshark: "appears to be damaged or corrupt"). */
  | { readonly kind: 'damaged'; readonly offset: number; readonly reason: string };

export interface ReadRecordsResult {
  readonly frames: number;
  readonly problem?: ReadProblem;
}

export class CaptureAbortedError extends Error {
  override readonly name = 'CaptureAbortedError';
}

/** Bytes kept in front of each read for a record that began in the previous chunk. */
const TAIL_RESERVE = 256 * 1024;

/**
 * Calls `visit` for every packet record in file order. The record object and the buffer are
 * reused: copy what you keep. Returning false from `visit` stops the walk. Reads are double
 * buffered: the next chunk is being read while this one is parsed.
 */
export async function readRecords(
  file: string,
  parser: RecordParser,
  visit: (record: CaptureRecord, buf: Buffer) => boolean | void,
  options: ReadRecordsOptions = {},
): Promise<ReadRecordsResult> {
  const handle = await fs.promises.open(file, 'r');
  // A damaged length can claim up to MAX_RECORD_BYTES: never grow the buffers past what the file holds.
  const fileSize = (await handle.stat()).size;
  const record = newCaptureRecord();
  const size = options.chunkSize ?? 2 * 1024 * 1024;
  let reserve = TAIL_RESERVE;
  let buffers = [Buffer.allocUnsafeSlow(reserve + size), Buffer.allocUnsafeSlow(reserve + size)];
  let current = 0;
  let readOffset = parser.headerLength; // file offset of the next read
  // Every read is awaited, or settled before the file closes (a read in flight must not outlive it).
  let pending = handle.read(buffers[0], reserve, size, readOffset);
  pending.catch(() => undefined);
  let dataStart = reserve; // where this chunk's bytes begin (a carried tail sits just before `reserve`)
  let frames = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new CaptureAbortedError(`Reading ${file} was cancelled.`);
      const { bytesRead } = await pending;
      const buf = buffers[current];
      const filled = reserve + bytesRead;
      const base = readOffset - (reserve - dataStart); // file offset of buf[dataStart]
      readOffset += bytesRead;
      const eof = bytesRead === 0;
      if (!eof) {
        pending = handle.read(buffers[1 - current], reserve, size, readOffset);
        pending.catch(() => undefined);
      }
      let pos = dataStart;
      let stop = false;
      while (pos < filled) {
        let outcome: Parsed;
        try {
          outcome = parser.parse(buf, pos, filled, base + (pos - dataStart), record, true);
        } catch (error) {
          if (error instanceof CaptureDamageError) return { frames, problem: { kind: 'damaged', offset: error.offset, reason: error.reason } };
          throw error;
        }
        if (outcome === Parsed.INCOMPLETE) break;
        if (outcome === Parsed.PACKET) {
          frames++;
          if (visit(record, buf) === false) {
            stop = true;
            break;
          }
        }
        pos += parser.length;
      }
      const reached = base + (pos - dataStart);
      options.onChunk?.(reached);
      if (stop || (eof && pos === filled)) return { frames };
      if (eof) return { frames, problem: { kind: 'cut', offset: reached, end: base + (filled - dataStart), have: filled - pos, need: parser.length } };
      // Carry the incomplete tail to the front of the next chunk.
      const tail = filled - pos;
      const next = buffers[1 - current];
      if (tail <= reserve) {
        buf.copy(next, reserve - tail, pos, filled);
        dataStart = reserve - tail;
      } else {
        // A record longer than the reserve: wait for the read under way, then move both into bigger buffers.
        const { bytesRead: ahead } = await pending;
        const previousReserve = reserve;
        reserve = Math.max(tail, Math.min(parser.length, fileSize)) * 2;
        const bigger = [Buffer.allocUnsafeSlow(reserve + size), Buffer.allocUnsafeSlow(reserve + size)];
        buf.copy(bigger[1 - current], reserve - tail, pos, filled);
        next.copy(bigger[1 - current], reserve, previousReserve, previousReserve + ahead);
        buffers = bigger;
        dataStart = reserve - tail;
        pending = Promise.resolve({ bytesRead: ahead, buffer: buffers[1 - current] });
      }
      current = 1 - current;
    }
  } finally {
    await pending.catch(() => undefined);
    await handle.close();
  }
}
