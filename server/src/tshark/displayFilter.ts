/**
 * Wireshark display filters over a capture: `tshark -r FILE -Y EXPR -T fields -e tcp.stream`
 * prints the TCP stream of every packet the filter keeps, and the conversation table keeps those
 * streams. tshark compiles the filter before it opens the file, so a syntax error comes back in
 * its own words at once; a running filter is killed when its AbortSignal fires.
 */
import { execa } from 'execa';
import { TsharkError, classifyTsharkExit, isPartialReadWarning, meaningfulStderr } from './tsharkError';
import { binary, notFound, type TsharkOptions } from './tsharkRunner';

export function buildDisplayFilterArgs(file: string, expression: string): string[] {
  return ['-r', file, '-Y', expression, '-T', 'fields', '-e', 'tcp.stream'];
}

export type DisplayFilterOutcome = { readonly streams: ReadonlySet<number> } | { readonly error: string };

export interface DisplayFilterOptions extends TsharkOptions {
  readonly signal?: AbortSignal;
}

/** The TCP streams with a packet `expression` keeps, or tshark's message when it is not a valid filter. */
export async function streamsMatching(file: string, expression: string, options: DisplayFilterOptions = {}): Promise<DisplayFilterOutcome> {
  const subprocess = execa(binary(options), buildDisplayFilterArgs(file, expression), {
    cancelSignal: options.signal,
    forceKillAfterDelay: 2000,
    buffer: { stdout: false, stderr: true },
    stdin: 'ignore',
    reject: false,
  });
  const streams = new Set<number>();
  try {
    for await (const line of subprocess.iterable({ from: 'stdout' })) {
      // Tunnelled TCP lists one stream per TCP header ("3,7"); non-TCP packets print an empty line.
      for (const value of line.split(',')) if (/^\d+$/.test(value.trim())) streams.add(Number(value));
    }
  } finally {
    if (subprocess.exitCode === null) subprocess.kill();
  }
  const result = await subprocess;
  if (result.isCanceled) throw new TsharkError('cancelled', `The display filter on ${file} was cancelled.`);
  if (result.failed && (result as { code?: string }).code === 'ENOENT') throw notFound(options);
  const stderr = String(result.stderr ?? '');
  if (result.exitCode === 0 || isPartialReadWarning(stderr)) return { streams };
  const failure = classifyTsharkExit(file, result.exitCode, stderr);
  const fileProblem = failure.failure === 'not-a-capture' || /does not exist|cannot be read/.test(failure.message);
  if (fileProblem) throw failure;
  return { error: meaningfulStderr(stderr).replace(/^tshark: /, '') || `tshark rejected the filter (exit code ${result.exitCode}).` };
}
