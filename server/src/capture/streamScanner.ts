/**
 * The full scan's inner loop, the same in a worker thread and in the main thread: take the next
 * stream, read its packets (only those: records adjacent in the file in one read, into a buffer
 * of the stream's own that the segments point into), reassemble, analyse, hand the result on,
 * let it go. One stream is in memory at a time and everything made for it dies young, so memory
 * stays flat whatever the capture's size.
 */
import type { Rule } from '../rules/rule';
import { analyzeConnection, reassembleOne, type AnalysedConnection } from './analyzeStream';
import { PacketReader, SegmentMaker, withStreamSegments, type StreamPacketData } from './packetReader';

export type ScanData = StreamPacketData;

export interface ScanSink {
  /** A stream is complete and analysed. */
  stream(result: AnalysedConnection): void;
  /** Packets read so far by this scanner. */
  progress?(packets: number): void;
}

export interface StreamScanOptions {
  readonly rules?: readonly Rule[];
  readonly signal?: AbortSignal;
  /** Give the event loop a turn every this many packets (main-thread scans). */
  readonly yieldEvery?: number;
}

export class ScanAbortedError extends Error {
  override readonly name = 'ScanAbortedError';
}

/**
 * Streams are handed out in blocks from a counter shared by every scanner of one scan (an
 * Int32Array on a SharedArrayBuffer, advanced atomically), so threads balance themselves.
 */
export class StreamCursor {
  constructor(
    private readonly counter: Int32Array,
    private readonly streams: number,
    private readonly block = 16,
  ) {}

  static create(streams: number): StreamCursor {
    return new StreamCursor(new Int32Array(new SharedArrayBuffer(4)), streams);
  }

  get shared(): Int32Array {
    return this.counter;
  }

  /** First stream of the next block, or -1 when all are taken. */
  claim(): number {
    const start = Atomics.add(this.counter, 0, 1) * this.block;
    return start < this.streams ? start : -1;
  }

  end(start: number): number {
    return Math.min(this.streams, start + this.block);
  }
}

export async function scanStreams(data: ScanData, cursor: StreamCursor, sink: ScanSink, options: StreamScanOptions = {}): Promise<void> {
  const reader = new PacketReader(data);
  const maker = new SegmentMaker(data);
  let done = 0;
  let sinceYield = 0;
  let lastProgress = 0;
  try {
    for (let start = cursor.claim(); start >= 0; start = cursor.claim()) {
      if (options.signal?.aborted) throw new ScanAbortedError('scan cancelled');
      for (let stream = start; stream < cursor.end(start); stream++) {
        const connection = withStreamSegments(reader, maker, data, stream, reassembleOne);
        if (connection) sink.stream(analyzeConnection(connection, options.rules));
        const packets = data.streamStart[stream + 1] - data.streamStart[stream];
        done += packets;
        sinceYield += packets;
      }
      const now = Date.now();
      if (now - lastProgress >= 50) {
        lastProgress = now;
        sink.progress?.(done);
      }
      if (options.yieldEvery !== undefined && sinceYield >= options.yieldEvery) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    sink.progress?.(done);
  } finally {
    reader.close();
  }
}
