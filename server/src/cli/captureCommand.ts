/**
 * `wirelens capture`: a live capture on the command line. Findings are printed as they appear
 * (text, or one JSON object per line with `--format json`); Ctrl+C, or a limit, ends the capture.
 * With `--write FILE` the capture is kept as pcapng; without it, nothing is kept.
 * Exit codes as for analyze: 0 no findings, 1 findings, 2 error.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseCaptureLimits } from '../../../protocol/captureLimits';
import type { CaptureLimits, LiveCaptureSource, LiveFinding } from '../../../protocol/model';
import { LiveSession } from '../live/liveSession';
import { TsharkError } from '../tshark/tsharkError';
import { formatFinding } from './formatText';
import type { Options } from './main';
import { checkFormat, UsageError } from './usageError';

/** The `--name value` options capture takes (besides --format and --tshark, and the flag --command). */
export const CAPTURE_OPTIONS = ['interface', 'filter', 'duration', 'packets', 'size', 'write'] as const;

function positiveNumber(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new UsageError(`--${name} must be a ${integer ? 'whole ' : ''}number above zero.`);
  }
  return number;
}

export function captureRequest(options: Options): { source: LiveCaptureSource; limits: CaptureLimits } {
  const { named } = options;
  const limits: { durationSeconds?: number; packets?: number; bytes?: number } = {};
  const duration = positiveNumber('duration', named.duration, false);
  if (duration) limits.durationSeconds = duration;
  const packets = positiveNumber('packets', named.packets, true);
  if (packets) limits.packets = packets;
  if (named.size !== undefined) {
    const parsed = parseCaptureLimits(/^\d+$/.test(named.size) ? `${named.size} B` : named.size);
    if ('error' in parsed || !parsed.limits.bytes) throw new UsageError(`--size takes a size such as 500kB or 10MB.`);
    limits.bytes = parsed.limits.bytes;
  }
  if (options.positional.length > 0) throw new UsageError(`capture takes no file argument (did you mean --write ${options.positional[0]}?).`);
  if (named.command) {
    if (named.interface) throw new UsageError('Give either --interface or --command, not both.');
    if (named.filter) throw new UsageError('--filter applies to --interface; put the filter in the command itself.');
    if (!options.command?.length) throw new UsageError('--command needs the command after --, such as: -- ssh HOST tcpdump -U -w -');
    return { source: { kind: 'command', name: options.command.join(' '), argv: options.command }, limits };
  }
  if (options.command) throw new UsageError('Arguments after -- are only for --command.');
  if (!named.interface) throw new UsageError('capture needs --interface IF (dumpcap -D lists them) or --command -- CMD….');
  return { source: { kind: 'interface', interface: named.interface, ...(named.filter ? { filter: named.filter } : {}) }, limits };
}

/** Moves the finished capture out of its temporary directory (copying across file systems). */
async function keep(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(to)), { recursive: true });
  try {
    await fs.rename(from, to);
  } catch {
    await fs.copyFile(from, to);
  }
}

export async function capture(options: Options): Promise<number> {
  const format = checkFormat(options.format, ['text', 'json']);
  const { source, limits } = captureRequest(options);
  const write = options.named.write;
  const out = (line: string) => process.stdout.write(line + '\n');
  let session: LiveSession | undefined;
  const printFindings = (findings: readonly LiveFinding[]) => {
    if (findings.length === 0 || !session) return;
    const snapshot = format === 'text' ? session.snapshot() : undefined;
    for (const live of findings) {
      const latencyMs = Math.round(live.foundAt - live.packetTime * 1000);
      if (format === 'json') out(JSON.stringify({ event: 'finding', finding: live.finding, packetTime: live.packetTime, foundAt: live.foundAt, latencyMs }));
      else out(`${formatFinding(write ?? session.file, snapshot!, live.finding)}\n    (found ${latencyMs} ms after the packet that completed the message)`);
    }
  };
  // Updates come from timers and I/O, so never before start() has answered and `session` is set.
  session = await LiveSession.start(source, limits, { tsharkPath: options.tshark, onStatus: (status) => printFindings(status.newFindings) });
  const running = session;
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) void running.stop();
    else void running.discard();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (format === 'json') out(JSON.stringify({ event: 'started', capture: running.file, label: running.status().label, startedAt: running.startedAt }));
  else process.stderr.write(`Capturing on ${running.status().label}; Ctrl+C stops.\n`);

  const final = await running.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  try {
    if (final.state === 'failed') throw new TsharkError('failed', final.message ?? `The capture on ${final.label} failed.`);
    if (write) await keep(final.capture, write);
    const summary = running.snapshot().summary;
    if (format === 'json') {
      out(JSON.stringify({ event: 'stopped', summary: { ...summary, file: write ?? null }, statistics: final.statistics ?? null, message: final.message ?? null, elapsedSeconds: final.elapsedSeconds }));
    } else {
      const stats = final.statistics ? `; dumpcap: ${final.statistics.received} received, ${final.statistics.dropped} dropped` : '';
      out(
        `${summary.findings} finding${summary.findings === 1 ? '' : 's'} in ${summary.conversations} TCP conversation${summary.conversations === 1 ? '' : 's'} ` +
          `(${summary.packets} TCP packets in ${final.elapsedSeconds.toFixed(1)} s${stats}, tshark ${summary.tsharkVersion}).`,
      );
      if (final.message) process.stderr.write(`wirelens: ${final.message}\n`);
      process.stderr.write(write ? `Saved ${write}.\n` : 'Not saved (use --write FILE to keep the capture).\n');
    }
    return summary.findings > 0 ? 1 : 0;
  } finally {
    await fs.rm(running.directory, { recursive: true, force: true });
  }
}
