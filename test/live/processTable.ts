/**
 * Which processes exist, from /proc (Linux): the tests that promise "no tshark or dumpcap left
 * behind" count them before and after. A process is found by its place in the tree (ppid chain),
 * or, once orphaned (its parent killed), by a marker in its environment that it inherited.
 */
import * as fs from 'node:fs';

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** The kernel's short name (comm): "tshark", "dumpcap", "node". */
  readonly name: string;
  readonly argv: readonly string[];
}

/** The programs Wirelens starts to read or capture packets. */
export const CAPTURE_TOOLS: ReadonlySet<string> = new Set(['tshark', 'dumpcap', 'editcap', 'capinfos']);

function entry(pid: number): ProcessEntry | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (state === 'Z') return undefined; // exited, not yet reaped: nothing runs
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid: Number(ppid), name, argv };
  } catch {
    return undefined; // it ended while we looked
  }
}

/** Every living process now (zombies have exited: they are left out). */
export function processTable(): ProcessEntry[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => entry(Number(name)))
    .filter((e): e is ProcessEntry => e !== undefined);
}

/** The processes below `root` (children, their children, …). */
export function descendantsOf(root: number, table: readonly ProcessEntry[] = processTable()): ProcessEntry[] {
  const below: ProcessEntry[] = [];
  let parents = new Set([root]);
  while (parents.size > 0) {
    const next = table.filter((p) => parents.has(p.ppid));
    below.push(...next);
    parents = new Set(next.map((p) => p.pid));
  }
  return below;
}

/** True when the process's environment holds `NAME=value` exactly. */
export function hasEnvironment(pid: number, assignment: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(assignment);
  } catch {
    return false;
  }
}

/** One line per process, for assertion messages. */
export function describeProcesses(list: readonly ProcessEntry[]): string[] {
  return list.map((p) => `${p.pid} (parent ${p.ppid}) ${p.argv.join(' ').slice(0, 200)}`);
}

/** Polls `list` until it is empty or `timeoutMs` passes; what is left then, and how long it took. */
export async function waitUntilNone(list: () => ProcessEntry[], timeoutMs: number): Promise<{ left: ProcessEntry[]; ms: number }> {
  const started = Date.now();
  for (;;) {
    const left = list();
    if (left.length === 0 || Date.now() - started > timeoutMs) return { left, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls `list` until it is not empty (bounded); throws with `what` on timeout. */
export async function waitUntilAny(list: () => ProcessEntry[], timeoutMs: number, what: string): Promise<ProcessEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = list();
    if (found.length > 0) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
