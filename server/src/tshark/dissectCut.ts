/**
 * tshark's full dissection (`-T json`) of a small cut of a capture: the records of one stream or
 * one packet, written to a temporary file tshark reads (`-r`), so a gigabyte file is never
 * dissected whole. (Not stdin: Node's child stdio is a socket pair, and tshark 4.0 refuses `-r -`
 * on anything but a pipe or a regular file.) Frame numbers and `tcp.stream` inside the cut restart
 * at 1 and 0; `renumberDissection` puts the original ones back.
 */
import { execa, ExecaError } from 'execa';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TsharkError, classifyTsharkExit } from './tsharkError';
import { binary, notFound, type TsharkOptions } from './tsharkRunner';

/** `cutFile` is the temporary cut, never the capture itself. */
export function buildDissectArgs(cutFile: string): string[] {
  return ['-r', cutFile, '-T', 'json', '-o', 'tcp.analyze_sequence_numbers:TRUE'];
}

/** One packet of tshark's `-T json` output. */
export interface DissectedPacket {
  readonly _source: { readonly layers: Record<string, unknown> };
}

export interface DissectOptions extends TsharkOptions {
  readonly signal?: AbortSignal;
  /** Named in error messages (the capture the cut came from). */
  readonly label?: string;
}

/** Runs tshark on the cut (a whole pcap or pcapng file in memory) and returns its JSON packets. */
export async function dissectCut(cut: Uint8Array, options: DissectOptions = {}): Promise<DissectedPacket[]> {
  const tshark = binary(options);
  const label = options.label ?? 'the capture cut';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wirelens-cut-'));
  const cutFile = path.join(dir, 'cut.pcapng');
  try {
    await fs.writeFile(cutFile, cut);
    const result = await execa(tshark, buildDissectArgs(cutFile), {
      stdin: 'ignore',
      cancelSignal: options.signal,
      forceKillAfterDelay: 2000,
      timeout: 120_000,
      maxBuffer: 512 * 1024 * 1024,
      reject: false,
    });
    if (result.isCanceled) throw new TsharkError('cancelled', `Dissecting ${label} was cancelled.`);
    if ((result as { code?: string }).code === 'ENOENT') throw notFound(options);
    if (result.exitCode !== 0) throw classifyTsharkExit(label, result.exitCode, String(result.stderr ?? ''));
    const stdout = String(result.stdout ?? '').trim();
    return stdout ? (JSON.parse(stdout) as DissectedPacket[]) : [];
  } catch (error) {
    if (error instanceof ExecaError && error.code === 'ENOENT') throw notFound(options);
    throw error;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Puts the original frame numbers (`frames[i]` for the cut's frame i + 1) and tcp.stream back
 * into tshark's JSON, including frame references tshark adds (`tcp.analysis.acks_frame`, …).
 */
export function renumberDissection(packets: readonly DissectedPacket[], frames: readonly number[], stream?: number): DissectedPacket[] {
  const original = (cutFrame: string) => {
    const n = Number(cutFrame);
    return Number.isInteger(n) && n >= 1 && n <= frames.length ? String(frames[n - 1]) : cutFrame;
  };
  const FRAME_FIELDS = /^(frame\.number|tcp\.analysis\.acks_frame|tcp\.reassembled_in|tcp\.segment|http\.request_in|http\.response_in|http\.prev_request_in|http\.prev_response_in|http\.next_request_in|http\.next_response_in|tcp\.analysis\.rto_frame|tcp\.analysis\.duplicate_ack_frame)$/;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (FRAME_FIELDS.test(key)) out[key] = Array.isArray(inner) ? inner.map((v) => (typeof v === 'string' ? original(v) : v)) : typeof inner === 'string' ? original(inner) : inner;
      else if (key === 'tcp.stream' && stream !== undefined && typeof inner === 'string') out[key] = String(stream);
      else out[key] = walk(inner);
    }
    return out;
  };
  return packets.map((packet) => walk(packet) as DissectedPacket);
}
