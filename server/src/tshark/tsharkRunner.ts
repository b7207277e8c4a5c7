/**
 * The only module that starts tshark. It streams `-T ek` output line by line into TcpSegment
 * records (never buffering the whole output), kills tshark on abort, and turns failures into
 * TsharkError. Everything above it sees a PacketSource.
 */
import { execa, ExecaError, type ResultPromise } from 'execa';
import type { Endpoint } from '../../../protocol/model';
import { buildSegmentArgs, buildVersionArgs, type SegmentArgsOptions } from './segmentArgs';
import { TsharkError, classifyTsharkExit, isPartialReadWarning, killedError, partialReadWarning } from './tsharkError';
import type { PacketSource, TcpSegment } from './tcpSegment';

export interface TsharkOptions {
  /** Explicit binary; empty or undefined means `tshark` on PATH. */
  readonly tsharkPath?: string;
}

export function binary(options: TsharkOptions): string {
  return options.tsharkPath?.trim() || 'tshark';
}

/** A tool that ships with tshark (editcap, capinfos): next to an explicit tshark path, else on PATH. */
export function companionBinary(options: TsharkOptions, tool: string): string {
  const tshark = options.tsharkPath?.trim();
  if (!tshark || !/[\\/]/.test(tshark)) return tool;
  return tshark.replace(/tshark(\.exe)?$/i, (_, ext: string | undefined) => `${tool}${ext ?? ''}`);
}

export function notFound(options: TsharkOptions): TsharkError {
  return new TsharkError(
    'not-found',
    `tshark was not found (looked for "${binary(options)}"). Install it (Debian/Ubuntu: sudo apt-get install tshark) or set wirelens.tsharkPath.`,
  );
}

/**
 * The oldest tshark Wirelens runs: 3.0 renamed the `ssl.*` fields to the `tls.*` ones the TLS
 * pass asks for (tlsRecords.ts). Development and CI use 4.0 (Debian 12), the version the
 * direct reader's stream numbering is checked against.
 */
export const MIN_TSHARK_VERSION = [3, 0] as const;

/** The version `tshark --version` printed, or a TsharkError saying why this binary will not do. */
export function checkTsharkVersion(command: string, stdout: string): string {
  const version = /TShark \(Wireshark\) (\d+)\.(\d+)\.(\d+)/.exec(stdout);
  if (!version) throw new TsharkError('failed', `${command} does not look like tshark: "${command} --version" printed "${stdout.split('\n')[0].slice(0, 80)}".`);
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const [minMajor, minMinor] = MIN_TSHARK_VERSION;
  const text = `${version[1]}.${version[2]}.${version[3]}`;
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    throw new TsharkError('too-old', `tshark ${text} (${command}) is too old: Wirelens needs tshark ${minMajor}.${minMinor} or newer. Install a newer Wireshark or set wirelens.tsharkPath.`);
  }
  return text;
}

export async function tsharkVersion(options: TsharkOptions = {}): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await execa(binary(options), buildVersionArgs(), { timeout: 15_000 }));
  } catch (error) {
    if (error instanceof ExecaError && error.code === 'ENOENT') throw notFound(options);
    if (error instanceof ExecaError) throw new TsharkError('failed', `${binary(options)} --version failed: ${error.shortMessage}`);
    throw error;
  }
  return checkTsharkVersion(binary(options), stdout);
}

type EkLayers = Record<string, string[] | undefined>;

function first(layers: EkLayers, key: string): string | undefined {
  return layers[key]?.[0];
}

/** ip.src can repeat for tunnels; the innermost header (last) carries the TCP segment. */
function last(layers: EkLayers, key: string): string | undefined {
  const values = layers[key];
  return values?.[values.length - 1];
}

function hexToBytes(hex: string | undefined): Uint8Array {
  if (!hex) return new Uint8Array(0);
  return Uint8Array.from(Buffer.from(hex.replace(/:/g, ''), 'hex'));
}

/** One `-T ek` line → a segment, or undefined for index lines and non-TCP packets. */
export function parseEkLine(line: string): TcpSegment | undefined {
  if (!line.startsWith('{"timestamp"')) return undefined;
  const layers = (JSON.parse(line) as { layers?: EkLayers }).layers;
  if (!layers) return undefined;
  const stream = first(layers, 'tcp_stream');
  if (stream === undefined) return undefined;
  const src: Endpoint = { address: last(layers, 'ip_src') ?? last(layers, 'ipv6_src') ?? '?', port: Number(first(layers, 'tcp_srcport')) };
  const dst: Endpoint = { address: last(layers, 'ip_dst') ?? last(layers, 'ipv6_dst') ?? '?', port: Number(first(layers, 'tcp_dstport')) };
  return {
    frame: Number(first(layers, 'frame_number')),
    time: Number(first(layers, 'frame_time_epoch') ?? 0),
    stream: Number(stream),
    src,
    dst,
    seq: Number(first(layers, 'tcp_seq_raw') ?? 0),
    flags: Number.parseInt(first(layers, 'tcp_flags') ?? '0', 16),
    window: Number(first(layers, 'tcp_window_size') ?? 0),
    payload: hexToBytes(first(layers, 'tcp_payload')),
    capturedLength: Number(first(layers, 'frame_cap_len') ?? 0),
  };
}

/**
 * Reads a capture file's TCP segments with tshark. Warnings (a file cut short mid-packet) are
 * reported through `onWarning` and the segments read so far are kept: partial results beat none.
 */
export class TsharkCaptureSource implements PacketSource {
  constructor(
    private readonly file: string,
    private readonly options: TsharkOptions &
      SegmentArgsOptions & {
        onWarning?: (message: string) => void;
        /** Read the capture from this descriptor (`-r -`; a FIFO's read end) instead of `file`, which then only names it. */
        stdin?: number;
      } = {},
  ) {}

  async *segments(signal?: AbortSignal): AsyncIterable<TcpSegment> {
    const input = this.options.stdin === undefined ? this.file : '-';
    const subprocess = execa(binary(this.options), buildSegmentArgs(input, this.options), {
      cancelSignal: signal,
      forceKillAfterDelay: 2000,
      buffer: { stdout: false, stderr: true },
      // execa passes any descriptor through; its types only list 0 and 3–9.
      stdin: (this.options.stdin ?? 'ignore') as 'ignore',
      reject: false,
      lines: false,
    });
    yield* readTsharkLines(subprocess, this.file, this.options, parseEkLine, this.options.onWarning);
  }
}

/**
 * The values `parse` makes of a tshark run's output lines, then the run's end as one sentence:
 * cancelled, not found, killed by a signal (its last line may be cut: such a line is skipped,
 * and is an error only if tshark was not killed), failed; a file cut short or damaged is a
 * partial read, reported through `onPartial` with what was read kept. A consumer that stops early
 * kills tshark.
 */
export async function* readTsharkLines<T>(
  subprocess: ResultPromise,
  file: string,
  options: TsharkOptions,
  parse: (line: string) => T | undefined,
  onPartial?: (warning: string) => void,
): AsyncGenerator<T> {
  let unreadable: string | undefined;
  try {
    for await (const line of subprocess.iterable({ from: 'stdout' })) {
      let value: T | undefined;
      try {
        value = parse(String(line));
      } catch {
        unreadable ??= String(line);
        continue;
      }
      if (value !== undefined) yield value;
    }
  } finally {
    if (subprocess.exitCode === null) subprocess.kill();
  }
  const result = await subprocess;
  if (result.isCanceled) throw new TsharkError('cancelled', `Reading ${file} was cancelled.`);
  if (result.failed && (result as { code?: string }).code === 'ENOENT') throw notFound(options);
  if (result.signal) throw killedError(file, result.signal);
  if (unreadable !== undefined) throw new TsharkError('failed', `tshark printed a line Wirelens cannot read while reading ${file}: ${unreadable.slice(0, 80)}`);
  const stderr = String(result.stderr ?? '');
  if (result.exitCode === 0) return;
  if (!isPartialReadWarning(stderr)) throw classifyTsharkExit(file, result.exitCode, stderr);
  onPartial?.(partialReadWarning(file, stderr));
}
