// Types for loopback.mjs (used from TypeScript by the verdict harness in test/verdicts/).
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Server, Socket } from 'node:net';

export interface TrackedChild extends ChildProcess {
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
}

export function spawnTracked(command: string, args: readonly string[], options?: SpawnOptions): TrackedChild;
export function stopProcess(child: ChildProcess | undefined, graceMs?: number): Promise<void>;

export interface RawRequest {
  readonly head: string;
  readonly target: string;
  readonly bytes: Buffer;
}
export function startRawOrigin(answer: (socket: Socket, request: RawRequest) => void): Promise<Server>;
export function freePort(): Promise<number>;
export function waitForListener(port: number, what: string, child: TrackedChild, timeoutMs?: number): Promise<void>;

export type ProxyKind = 'nginx' | 'haproxy';
export function proxyVersion(kind: ProxyKind): { version: string; line: string };

export interface StartedProxy {
  readonly kind: ProxyKind;
  readonly child: TrackedChild;
  /** "1.22.1", "2.6.12-1+deb12u4". */
  readonly version: string;
  /** The proxy's own version line ("nginx version: nginx/1.22.1"). */
  readonly versionLine: string;
  /** nginx's error log, or HAProxy's stderr (its log target). */
  log(): string;
}
export function startProxy(
  kind: ProxyKind,
  dir: string,
  listenPort: number,
  originPort: number,
  options?: { readonly timeoutSeconds?: number },
): Promise<StartedProxy>;
export function haproxyShowErrors(dir: string): Promise<string>;
