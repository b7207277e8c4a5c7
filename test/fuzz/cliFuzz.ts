/**
 * A sample of the capture fuzz's mutants through the real CLI (`wirelens analyze` and
 * `wirelens conversations` as child processes, tshark included): the exit code is 0, 1 or 2,
 * an error is one sentence on stderr (never "internal error", never a stack trace), and every
 * run ends well inside runWirelens's 60 s timeout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runWirelens, type Run } from '../cli/runWirelens';
import { captureMutant } from './captureFuzz';
import type { CaptureFormat } from './captureMutations';

/** A run slower than this counts as a hang (the slowest seen here is about 2 s: tshark reading a mutant). */
const SLOW_MS = 30_000;

export interface CliFuzzFailure {
  readonly format: CaptureFormat;
  readonly case: number;
  readonly command: string;
  readonly steps: readonly string[];
  readonly problem: string;
}

export interface CliFuzzResult {
  readonly runs: number;
  readonly exitCodes: Readonly<Record<string, number>>;
  readonly slowestMs: number;
  readonly failures: readonly CliFuzzFailure[];
}

function problemOf(run: Run): string | undefined {
  if (![0, 1, 2].includes(run.code)) return `exit code ${run.code}`;
  if (/^\s+at /m.test(run.stderr + run.stdout)) return `a stack trace: ${run.stderr.slice(0, 500)}`;
  if (/internal error/.test(run.stderr)) return run.stderr.trim();
  const errors = run.stderr.split('\n').filter((line) => line && !line.startsWith('wirelens: warning: '));
  if (run.code === 2 && (errors.length !== 1 || !errors[0].startsWith('wirelens: '))) return `exit 2 without one sentence: ${run.stderr.slice(0, 500)}`;
  if (run.code !== 2 && errors.length > 0) return `stderr besides warnings: ${run.stderr.slice(0, 500)}`;
  return undefined;
}

/** `cases` mutants per format (cases 0…cases-1 of the in-process fuzz with the same seed), two at a time. */
export async function fuzzCli(seed: number, cases: number, dir: string): Promise<CliFuzzResult> {
  const jobs = (['pcap', 'pcapng'] as const).flatMap((format) => Array.from({ length: cases }, (_, n) => ({ format, n })));
  const exitCodes: Record<string, number> = {};
  const failures: CliFuzzFailure[] = [];
  let slowestMs = 0;
  let runs = 0;
  const worker = async (slot: number) => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const mutant = captureMutant(job.format, seed, job.n);
      const file = path.join(dir, `cli-fuzz-${slot}.${job.format}`);
      fs.writeFileSync(file, mutant.bytes);
      for (const command of ['analyze', 'conversations']) {
        const started = Date.now();
        let problem: string | undefined;
        try {
          const run = await runWirelens([command, file]);
          exitCodes[run.code] = (exitCodes[run.code] ?? 0) + 1;
          problem = problemOf(run);
        } catch (error) {
          problem = `did not finish: ${String(error)}`;
        }
        const ms = Date.now() - started;
        slowestMs = Math.max(slowestMs, ms);
        if (!problem && ms > SLOW_MS) problem = `took ${ms} ms`;
        runs++;
        if (problem) failures.push({ format: job.format, case: job.n, command, steps: mutant.steps, problem });
      }
    }
  };
  await Promise.all([worker(0), worker(1)]);
  return { runs, exitCodes, slowestMs, failures };
}
