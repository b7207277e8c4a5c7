/**
 * Export conversations as a new pcapng: tshark reads the capture, keeps the packets of the chosen
 * TCP streams (`-Y "tcp.stream in {…}"`: tshark's own stream numbers, which the capture index
 * reproduces) and writes them. `-P -T fields -e frame.number` makes it print each frame it
 * writes, which is the progress. It writes to a temporary name beside the output and renames on
 * success, so a cancelled or failed export leaves no half file (and an existing file intact).
 */
import { execa, ExecaError } from 'execa';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { TsharkError, classifyTsharkExit } from './tsharkError';
import { streamFilter } from './streamFilter';
import { binary, notFound, type TsharkOptions } from './tsharkRunner';

export function buildExportArgs(input: string, streams: readonly number[], output: string): string[] {
  return ['-r', input, '-Y', streamFilter(streams), '-w', output, '-F', 'pcapng', '-P', '-T', 'fields', '-e', 'frame.number', '-l'];
}

export interface ExportPcapngOptions extends TsharkOptions {
  readonly signal?: AbortSignal;
  /** Frames in the capture, for progress (frame number written / total). */
  readonly totalFrames?: number;
  readonly onProgress?: (packets: number, fraction: number) => void;
}

/** Writes `output` with the packets of `streams`; resolves with how many packets it holds. */
export async function exportStreamsAsPcapng(input: string, streams: readonly number[], output: string, options: ExportPcapngOptions = {}): Promise<number> {
  if (path.resolve(input) === path.resolve(output)) throw new TsharkError('failed', `Choose another file: ${output} is the capture being read.`);
  const partial = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.partial`);
  const subprocess = execa(binary(options), buildExportArgs(input, streams, partial), {
    cancelSignal: options.signal,
    forceKillAfterDelay: 2000,
    buffer: { stdout: false, stderr: true },
    stdin: 'ignore',
    reject: false,
  });
  let packets = 0;
  try {
    for await (const line of subprocess.iterable({ from: 'stdout' })) {
      const frame = Number(line);
      if (!Number.isInteger(frame)) continue;
      packets++;
      if (options.totalFrames) options.onProgress?.(packets, Math.min(1, frame / options.totalFrames));
    }
    const result = await subprocess;
    if (result.isCanceled) throw new TsharkError('cancelled', `Exporting from ${input} was cancelled.`);
    if ((result as { code?: string }).code === 'ENOENT') throw notFound(options);
    if (result.exitCode !== 0) throw classifyTsharkExit(input, result.exitCode, String(result.stderr ?? ''));
    if (packets === 0) throw new TsharkError('failed', `${input} has no packets in TCP stream${streams.length === 1 ? '' : 's'} ${streams.join(', ')}.`);
    await fs.rename(partial, output);
    return packets;
  } catch (error) {
    if (subprocess.exitCode === null) subprocess.kill();
    await fs.rm(partial, { force: true });
    if (error instanceof ExecaError && error.code === 'ENOENT') throw notFound(options);
    throw error;
  }
}
