/**
 * Where the TLS pass reads: tshark must dissect TLS itself (reassembly, decryption), but it need
 * not read a whole gigabyte for a few TLS streams. With the capture's index, the TLS streams'
 * packets are copied to a cut (capture/dissect.ts: with the pcapng's embedded keys) and tshark
 * reads that; frame numbers and streams are put back from the cut's origin. Without an index
 * (tshark read the capture), or when the TLS streams are most of it, tshark reads the file.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaptureIndex } from '../capture/captureIndex';
import { writeStreamsCut } from '../capture/dissect';
import { readTlsFrames, type TlsFrame, type TlsReadOptions } from '../tshark/tlsRecords';

/** Above this share of the capture's packets, a cut would copy most of the file: tshark reads the file. */
export const CUT_BELOW_SHARE = 0.5;

/**
 * Reading the file, tshark is told the streams (it writes only theirs) when they are few; a
 * filter naming thousands of streams is left out (frames of other streams are dropped later).
 */
const FILTER_AT_MOST_STREAMS = 100;

/** The TLS frames of `streams` (with the original frame numbers and streams), read from a cut when that is smaller. */
export async function readTlsFramesOf(
  file: string,
  index: CaptureIndex | undefined,
  streams: readonly number[],
  options: Omit<TlsReadOptions, 'streams'>,
): Promise<TlsFrame[]> {
  const packets = index ? streams.reduce((sum, stream) => sum + index.conversations[stream].packets, 0) : 0;
  if (!index || packets > index.packets.count * CUT_BELOW_SHARE) {
    return readTlsFrames(file, { ...options, ...(streams.length <= FILTER_AT_MOST_STREAMS ? { streams } : {}) });
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wirelens-tls-'));
  try {
    const cutFile = path.join(dir, 'tls-streams');
    const origin = await writeStreamsCut(index, streams, cutFile, options.signal);
    const frames = await readTlsFrames(cutFile, { ...options, label: `the TLS streams of ${file}` });
    return frames.map((frame) => ({ ...frame, frame: origin.frames[frame.frame - 1], stream: origin.streams[frame.frame - 1] }));
  } finally {
    // A failed removal must not hide why the read ended (a cancellation, tshark's error).
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
