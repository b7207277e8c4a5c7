/** Every way running tshark can fail, as one typed error whose message is a sentence for users. */
export type TsharkFailure = 'not-found' | 'too-old' | 'not-a-capture' | 'failed' | 'cancelled';

export class TsharkError extends Error {
  constructor(
    readonly failure: TsharkFailure,
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'TsharkError';
  }
}

/** tshark's stderr, minus the root warning it prints on every run. */
export function meaningfulStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('Running as user "root"'))
    .join('\n')
    .trim();
}

/** Turns tshark's exit and stderr into the failure a user can act on. */
export function classifyTsharkExit(file: string, exitCode: number | undefined, stderr: string): TsharkError {
  const detail = meaningfulStderr(stderr);
  if (/isn't a capture file in a format TShark understands|unknown file format/i.test(detail)) {
    return new TsharkError('not-a-capture', `${file} is not a capture file that tshark can read (pcap, pcapng, or another Wireshark format).`, detail);
  }
  if (/No such file or directory|doesn't exist/i.test(detail)) {
    return new TsharkError('failed', `${file} does not exist.`, detail);
  }
  // tshark words EACCES as "You don't have permission to read the file" (wsutil file_open_error_message).
  if (/Permission denied|don't have permission to read/i.test(detail)) {
    return new TsharkError('failed', `${file} cannot be read: permission denied.`, detail);
  }
  const firstLine = detail.split('\n')[0] || `exit code ${exitCode}`;
  return new TsharkError('failed', `tshark could not read ${file}: ${firstLine}`, detail);
}

/** tshark says this when a file ends mid-packet; what was read before it is still good. */
export function isTruncationWarning(stderr: string): boolean {
  return /appears to have been cut short|truncated/i.test(stderr);
}

/**
 * A file cut short, or damaged further on: tshark stops there, and what it read before is still
 * good (the direct reader does the same: docs/reliability.md).
 */
export function isPartialReadWarning(stderr: string): boolean {
  return isTruncationWarning(stderr) || /appears to be damaged or corrupt/i.test(stderr);
}

/**
 * tshark's "cut short" or "damaged" stderr as one warning sentence naming the file once:
 * `F appears to be damaged or corrupt (pcapng: …): tshark stopped there, so results are partial.`
 */
export function partialReadWarning(file: string, stderr: string): string {
  const [first = '', ...rest] = meaningfulStderr(stderr).split('\n');
  const what = first.replace(/^tshark: The file ".*" (?=appears)/, '').replace(/\.$/, '');
  const detail = rest.join(' ').trim();
  return `${file} ${what}${detail ? ` ${detail}` : ''}: tshark stopped there, so results are partial.`;
}

/** tshark died from a signal (killed by a user, the OOM killer, a timeout): nothing it printed can be trusted to be complete. */
export function killedError(file: string, signal: string): TsharkError {
  return new TsharkError('failed', `tshark was killed (${signal}) while reading ${file}: run it again.`);
}
