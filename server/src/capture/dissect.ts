/**
 * tshark dissection on demand: the records of one stream (or some of its packets) are copied
 * verbatim from the capture into a small cut, which tshark reads from stdin. The answer has the
 * original frame numbers and stream id.
 */
import * as fs from 'node:fs/promises';
import { dissectCut, renumberDissection, type DissectedPacket, type DissectOptions } from '../tshark/dissectCut';
import { CaptureAbortedError } from './recordReader';
import { packetsOfStream, streamOfPacket, type CaptureIndex } from './captureIndex';
import { buildCut, CutAssembler, type CutRecord } from './captureWriter';
import { PacketReader } from './packetReader';

export interface StreamCut {
  readonly bytes: Buffer;
  /** Original frame number of each record in the cut, in order. */
  readonly frames: readonly number[];
}

export interface CutOptions {
  /** Only these frames (of the stream); default: all of them. */
  readonly frames?: readonly number[];
  /** At most this many packets (the first ones); default 2000. */
  readonly maxPackets?: number;
}

/** The capture file made of one stream's records (or the chosen frames of it). */
export function cutStream(index: CaptureIndex, stream: number, options: CutOptions = {}): StreamCut {
  return cutStreams(index, [stream], options);
}

/**
 * The capture file made of several streams' records, in file order (for a tshark pass that needs
 * only some streams, such as their TLS records: tshark numbers them 0, 1, … in the order given
 * by their first packets, which is ascending stream order).
 */
export function cutStreams(index: CaptureIndex, streams: readonly number[], options: CutOptions = {}): StreamCut {
  for (const stream of streams) if (!(stream >= 0 && stream < index.conversations.length)) throw new RangeError(`${index.file} has no TCP stream ${stream}.`);
  const wanted = options.frames ? new Set(options.frames) : undefined;
  const chosen = packetsInFileOrder(index, streams).filter((packet) => !wanted || wanted.has(index.packets.frame[packet])).slice(0, options.maxPackets ?? 2000);
  const records: CutRecord[] = [];
  const frames: number[] = [];
  const reader = new PacketReader(index);
  try {
    reader.readStream(chosen, (packet, record, buf) => {
      frames.push(index.packets.frame[packet]);
      records.push({ recordOffset: record.recordOffset, bytes: buf.subarray(record.recordStart, record.recordStart + record.recordLength) });
    });
  } finally {
    reader.close();
  }
  return { bytes: buildCut(index.format, records), frames };
}

/** The packets of `streams`, in file order (the index keeps them stream by stream). */
function packetsInFileOrder(index: CaptureIndex, streams: readonly number[]): number[] {
  return streams.flatMap((stream) => Array.from(packetsOfStream(index, stream))).sort((a, b) => index.packets.frame[a] - index.packets.frame[b]);
}

/** Where each record of a cut written to a file came from: the original frame and stream of its record i (frame i + 1 in the cut). */
export interface CutOrigin {
  readonly frames: readonly number[];
  readonly streams: readonly number[];
}

/** Packets copied per read and write: a cut of many packets is never held whole. */
const CUT_BATCH = 4096;

/**
 * Writes every packet of `streams`, in file order, to `file` as a capture tshark reads like the
 * original (a TLS pass over a few streams of a large capture reads this instead of the whole
 * file). Written a batch at a time, yielding between batches.
 */
export async function writeStreamsCut(index: CaptureIndex, streams: readonly number[], file: string, signal?: AbortSignal): Promise<CutOrigin> {
  const packets = packetsInFileOrder(index, streams);
  const origin = { frames: packets.map((p) => index.packets.frame[p]), streams: packets.map((p) => streamOfPacket(index.streamStart, p)) };
  const assembler = new CutAssembler(index.format);
  const reader = new PacketReader(index);
  const out = await fs.open(file, 'w');
  try {
    for (let first = 0; first < packets.length; first += CUT_BATCH) {
      if (signal?.aborted) throw new CaptureAbortedError();
      const parts: Uint8Array[] = [];
      reader.readStream(packets.slice(first, first + CUT_BATCH), (_packet, record, buf) => {
        parts.push(...assembler.headersBefore(record.recordOffset), buf.subarray(record.recordStart, record.recordStart + record.recordLength));
      });
      await out.write(Buffer.concat(parts));
    }
    const empty = assembler.headersIfEmpty();
    if (empty.length > 0) await out.write(Buffer.concat(empty));
  } finally {
    reader.close();
    await out.close();
  }
  return origin;
}

/** tshark's `-T json` dissection of one stream (or chosen frames of it), run on a cut. */
export async function dissectStream(index: CaptureIndex, stream: number, options: CutOptions & DissectOptions = {}): Promise<DissectedPacket[]> {
  const cut = cutStream(index, stream, options);
  const packets = await dissectCut(cut.bytes, { ...options, label: `${index.file} (stream ${stream})` });
  return renumberDissection(packets, cut.frames, stream);
}
