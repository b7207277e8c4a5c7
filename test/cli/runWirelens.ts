/** The real `wirelens` CLI (bin/wirelens → dist/cli.js, built by `node esbuild.mjs`) as a child process. */
import * as assert from 'node:assert/strict';
import { execFile, type ExecFileOptionsWithStringEncoding } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../unit/helpers';

export const BIN = path.join(REPO_ROOT, 'bin', 'wirelens');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI from the repository root with a 60 s timeout; a non-zero exit resolves as a Run
 * with that code, anything else (not started, killed) rejects. Output is utf8 unless `encoding`
 * says otherwise; `maxBuffer` is Node's default unless given; `env` is added to this process's.
 */
export function runWirelens(args: readonly string[], options: { maxBuffer?: number; encoding?: 'latin1'; env?: Readonly<Record<string, string>> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const execOptions: ExecFileOptionsWithStringEncoding = {
      cwd: REPO_ROOT,
      timeout: 60_000,
      encoding: options.encoding ?? 'utf8',
      ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    };
    execFile(process.execPath, [BIN, ...args], execOptions, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** The CLI's promise: whatever goes wrong, no stack trace reaches the user. */
export function assertNoStack(run: Run): void {
  assert.doesNotMatch(run.stderr + run.stdout, /^\s+at /m);
}
