/**
 * tshark as the oracle of the differential tests: its TCP conversation table
 * (`-q -z conv,tcp`) and its own reassembly of every stream (`-z follow,tcp,raw,N`, all streams
 * in one run), parsed into plain data.
 */
import { execFile, execFileSync } from 'node:child_process';

export function runTshark(args: string[]): string {
  try {
    return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('tshark is not installed or not on PATH: these tests run the real tshark (Debian/Ubuntu: apt-get install tshark).');
    throw error;
  }
}

export interface TsharkConversation {
  /** `address:port` as tshark prints it (IPv6 addresses unbracketed). */
  readonly a: string;
  readonly b: string;
  readonly framesBToA: number;
  readonly bytesBToA: string;
  readonly framesAToB: number;
  readonly bytesAToB: string;
  readonly frames: number;
  readonly relativeStart: number;
  readonly duration: number;
}

/** Wireshark's format_size(…, FORMAT_SIZE_UNIT_BYTES, SI): "3714 bytes", "41 kB", "12 MB". */
export function formatSize(bytes: number): string {
  for (const [power, prefix] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (Math.floor(bytes / power) >= 10) return `${Math.floor(bytes / power)} ${prefix}B`;
  }
  return `${bytes} bytes`;
}

/** The rows of `tshark -q -z conv,tcp`. */
export function tsharkConversations(file: string): TsharkConversation[] {
  return parseConversations(runTshark(['-r', file, '-n', '-q', '-z', 'conv,tcp']));
}

export function parseConversations(out: string): TsharkConversation[] {
  const rows: TsharkConversation[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+ \S*bytes|\d+ [kMGT]B)\s+(\d+)\s+(\d+ \S*bytes|\d+ [kMGT]B)\s+(\d+)\s+(\d+ \S*bytes|\d+ [kMGT]B)\s+([\d.]+)\s+([\d.]+)\s*$/.exec(line);
    if (!m) continue;
    rows.push({ a: m[1], b: m[2], framesBToA: Number(m[3]), bytesBToA: m[4], framesAToB: Number(m[5]), bytesAToB: m[6], frames: Number(m[7]), relativeStart: Number(m[9]), duration: Number(m[10]) });
  }
  return rows;
}

export interface FollowedNodes {
  readonly node0: string;
  readonly node1: string;
  readonly fromNode0: Buffer;
  readonly fromNode1: Buffer;
}

/** tshark's reassembly of each of `streams` (200 streams a tshark run). */
export function tsharkFollowAll(file: string, streams: readonly number[]): Map<number, FollowedNodes> {
  const result = new Map<number, FollowedNodes>();
  for (let from = 0; from < streams.length; from += 200) {
    const args = ['-r', file, '-n', '-q', ...streams.slice(from, from + 200).flatMap((s) => ['-z', `follow,tcp,raw,${s}`])];
    for (const [stream, nodes] of parseFollows(runTshark(args))) result.set(stream, nodes);
  }
  return result;
}

/** The conversation table and every stream's reassembly in one tshark run (for small captures). */
export async function tsharkConversationsAndFollows(file: string, streams: number): Promise<{ conversations: TsharkConversation[]; follows: Map<number, FollowedNodes> }> {
  const args = ['-r', file, '-n', '-q', '-z', 'conv,tcp', ...Array.from({ length: streams }, (_, s) => ['-z', `follow,tcp,raw,${s}`]).flat()];
  const out = await new Promise<string>((resolve, reject) =>
    execFile('tshark', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  return { conversations: parseConversations(out), follows: parseFollows(out) };
}

export function parseFollows(out: string): Map<number, FollowedNodes> {
  const result = new Map<number, FollowedNodes>();
  {
    const blocks = out.split(/^={10,}$/m);
    for (const block of blocks) {
      const stream = /^Filter: tcp\.stream eq (\d+)$/m.exec(block);
      if (!stream) continue;
      const lines = block.split('\n');
      const node = (n: number) => lines.find((l) => l.startsWith(`Node ${n}: `))?.slice(`Node ${n}: `.length).trim() ?? '';
      const begin = lines.findIndex((l) => l.startsWith('Node 1: '));
      const hex0: string[] = [];
      const hex1: string[] = [];
      for (const line of lines.slice(begin + 1)) {
        if (line.startsWith('\t')) hex1.push(line.trim());
        else if (line.trim()) hex0.push(line.trim());
      }
      result.set(Number(stream[1]), { node0: node(0), node1: node(1), fromNode0: Buffer.from(hex0.join(''), 'hex'), fromNode1: Buffer.from(hex1.join(''), 'hex') });
    }
  }
  return result;
}

/** `address:port`, IPv6 in brackets: how tshark names follow nodes. */
export function followNodeName(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
