/**
 * Open in Wireshark: the user's own Wireshark, found on PATH (never a path from settings, so an
 * untrusted workspace cannot choose the program), started detached with an argv array (no
 * shell: a capture named `$(rm -rf ~).pcap` is just a name), on the capture with a display
 * filter for the conversation. Wirelens does not wait for it or own it.
 */
import { execa } from 'execa';
import { once } from 'node:events';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** The first executable `name` on PATH (PATHEXT on Windows), or undefined. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const candidate = path.join(dir, name + extension);
      const stat = await fs.stat(candidate).catch(() => undefined);
      if (!stat?.isFile()) continue;
      if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
    }
  }
  return undefined;
}

/** `-r CAPTURE [-Y "tcp.stream eq N"]`. */
export function buildWiresharkArgs(capture: string, stream?: number): string[] {
  return ['-r', capture, ...(stream !== undefined ? ['-Y', `tcp.stream eq ${Math.trunc(stream)}`] : [])];
}

/** Starts Wireshark on the capture and returns once it is running (or fails with one sentence). */
export async function openInWireshark(capture: string, stream: number | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const wireshark = await findOnPath('wireshark', env);
  if (!wireshark) throw new Error('Wireshark is not on PATH (Debian/Ubuntu: sudo apt-get install wireshark).');
  const subprocess = execa(wireshark, buildWiresharkArgs(capture, stream), { detached: true, cleanup: false, stdio: 'ignore', env, extendEnv: false, reject: false });
  await once(subprocess, 'spawn');
  subprocess.unref();
  return wireshark;
}
