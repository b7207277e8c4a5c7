/**
 * A capture source must not outlive the process that started it, however that one ends. A
 * killed server cannot clean up, and the usual tools fail here: PR_SET_PDEATHSIG is cleared when
 * a binary with file capabilities starts (dumpcap, set up for non-root capture, is one), and an
 * idle dumpcap never writes, so it never learns that its reader is gone.
 *
 * So the source runs under a guard: a few lines of Node started with the runtime the server runs
 * on, leading a process group of its own, with a pipe from the server as stdin. When that pipe
 * closes (a stop, or the server's death: the kernel closes it either way), the guard sends
 * SIGTERM to its group (dumpcap finishes its file and prints its statistics), then SIGKILL after
 * a grace period. The source's stdout and stderr are the guard's, so capture data goes straight
 * to the server. The guard exits with the source's exit code (128 + signal number if signalled,
 * 127 if it could not be started).
 */

/** Milliseconds between SIGTERM and SIGKILL once the guard is told to stop. */
export const GUARD_GRACE_MS = 3000;

const GUARD_SCRIPT = `
const { spawn } = require('node:child_process');
const os = require('node:os');
const [, command, ...args] = process.argv.slice(1);
const group = process.platform !== 'win32';
let stopping = false;
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
function signalAll(signal) {
  try { if (group) process.kill(-process.pid, signal); else child.kill(signal); } catch {}
}
function stop() {
  if (stopping) return;
  stopping = true;
  signalAll('SIGTERM');
  setTimeout(() => signalAll('SIGKILL'), ${GUARD_GRACE_MS}).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
child.on('error', (error) => {
  process.stderr.write(error.code === 'ENOENT' ? command + ': command not found\\n' : command + ': ' + error.message + '\\n');
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
`;

/**
 * The argv that runs `argv` under the guard. `marker` is carried along unused so that process
 * listings (`pgrep -f`) can find every process of one capture.
 */
export function buildGuardArgs(marker: string, argv: readonly string[]): string[] {
  return ['-e', GUARD_SCRIPT, '--', marker, ...argv];
}

/** The guard's exit code when the command itself could not be started. */
export const GUARD_NOT_FOUND = 127;
