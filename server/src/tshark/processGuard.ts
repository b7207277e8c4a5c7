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

import { execa } from 'execa';

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

/**
 * The tools the server runs to read a capture (tshark, capinfos, editcap, dumpcap -D) stop when
 * the server's pipe closes at their next write; one that writes nothing for a while (a display
 * filter that keeps nothing, the TLS pass over plaintext) would read on after a SIGKILLed server
 * until the end of the file. The reaper ends them at once: a few lines of Node, started once by
 * the server with a pipe as stdin, that notes the server's children every REAPER_POLL_MS from
 * /proc (Linux) and, when the pipe closes, SIGKILLs those still running that it noted (same pid
 * and start time) and are such tools. Other children are left alone: a capture guard stops its
 * own source gracefully, and Wireshark opened for the user must outlive the server.
 */
export const REAPER_POLL_MS = 200;

/** Tools the reaper ends (the kernel's process names). */
export const REAPED_TOOLS = ['tshark', 'capinfos', 'editcap', 'mergecap', 'dumpcap'] as const;

const REAPER_SCRIPT = `
const fs = require('node:fs');
const server = process.ppid;
const tools = new Set(${JSON.stringify(REAPED_TOOLS)});
let noted = new Map();
function stat(pid) {
  try {
    const text = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const close = text.lastIndexOf(')');
    return { name: text.slice(text.indexOf('(') + 1, close), start: text.slice(close + 2).split(' ')[19] };
  } catch { return undefined; }
}
function children() {
  try {
    return fs.readdirSync('/proc/' + server + '/task').flatMap((task) =>
      fs.readFileSync('/proc/' + server + '/task/' + task + '/children', 'utf8').split(' ').filter(Boolean).map(Number));
  } catch { return []; }
}
function note() {
  const next = new Map();
  for (const pid of children()) {
    const known = noted.get(pid) ?? stat(pid);
    if (known && tools.has(known.name)) next.set(pid, known);
  }
  noted = next;
}
const timer = setInterval(note, ${REAPER_POLL_MS});
note();
function reap() {
  clearInterval(timer);
  for (const [pid, known] of noted) {
    const now = stat(pid);
    if (now && now.start === known.start) try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  process.exit(0);
}
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
process.stdin.resume();
`;

/** The argv (for the runtime the server runs on) that starts the reaper; Linux only (/proc). */
export function buildReaperArgs(): string[] {
  return ['-e', REAPER_SCRIPT];
}

let reaperStarted = false;

/**
 * Starts the reaper for this process, once (Linux; elsewhere nothing). It never keeps the process
 * alive. The server starts it at once; the CLI just before it first runs tshark.
 */
export function startChildReaper(): void {
  if (process.platform !== 'linux' || reaperStarted) return;
  reaperStarted = true;
  const reaper = execa(process.execPath, buildReaperArgs(), { stdin: 'pipe', stdout: 'ignore', stderr: 'ignore', cleanup: false, reject: false });
  reaper.catch(() => undefined);
  reaper.unref();
  // The pipe's write end is a socket: unreferenced, it does not hold the event loop either.
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}
