/**
 * Shared helpers for the plain-Node unit and CLI tests. Bundled into each test file by
 * esbuild (CommonJS), so `__dirname` is the bundle's folder under out/test.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StreamAnalysis } from '../../server/src/analysis/analyzeCapture';
import { findRuleViolations } from '../../server/src/analysis/findRuleViolations';
import { parseHttpConversation } from '../../server/src/http/httpConversation';
import { ALL_RULES } from '../../server/src/rules';
import { TcpReassembler } from '../../server/src/tcp/tcpReassembler';
import { TcpFlag } from '../../server/src/tshark/tcpSegment';

/** Bytes of a JS string, one byte per char (latin1): `\r\n` stays two bytes, `\xff` one. */
export function bytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** The latin1 text of `data[offset, offset + length)`. */
export function text(data: Uint8Array, offset = 0, length = data.length - offset): string {
  return Buffer.from(data.subarray(offset, offset + length)).toString('latin1');
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wirelens') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Wirelens package.json above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');

export function sample(name: string): string {
  return path.join(SAMPLES_DIR, name);
}

/**
 * The shared corpus of real captures (../shared/captures next to the repo, or
 * $WIRELENS_SHARED_CAPTURES). Missing is a failure with a clear message, never a silent skip.
 */
export function sharedCapturesDir(): string {
  const dir = process.env.WIRELENS_SHARED_CAPTURES || path.resolve(REPO_ROOT, '..', 'shared', 'captures');
  if (!fs.existsSync(dir)) {
    throw new Error(`Shared captures not found at ${dir}: set WIRELENS_SHARED_CAPTURES to the folder holding the *.pcap corpus.`);
  }
  return dir;
}

/** Every capture a differential test runs over: samples/*.pcapng and the shared *.pcap corpus. */
export function allCaptures(): string[] {
  const list = (dir: string, ext: string) =>
    fs.readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f));
  return [...list(SAMPLES_DIR, '.pcapng'), ...list(sharedCapturesDir(), '.pcap')];
}

/** Runs tshark (the real one: tests never fake it) and returns stdout. */
export function tshark(args: string[]): string {
  try {
    return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('tshark is not installed or not on PATH: these tests run the real tshark (Debian/Ubuntu: apt-get install tshark).');
    }
    throw error;
  }
}

export interface FollowedStream {
  /** Node 0 of tshark's follow output: the side that sent the stream's first packet. */
  readonly node0: string;
  readonly node1: string;
  /** Bytes node 0 sent (unindented hex lines), concatenated. */
  readonly fromNode0: Buffer;
  /** Bytes node 1 sent (tab-indented hex lines), concatenated. */
  readonly fromNode1: Buffer;
}

/** tshark's own reassembly of one TCP stream: `-z follow,tcp,raw,N`. */
export function tsharkFollowRaw(file: string, stream: number): FollowedStream {
  const out = tshark(['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`]);
  const lines = out.split('\n');
  const node = (n: number) => lines.find((l) => l.startsWith(`Node ${n}: `))?.slice(`Node ${n}: `.length).trim() ?? '';
  const hex0: string[] = [];
  const hex1: string[] = [];
  const begin = lines.findIndex((l) => l.startsWith('Node 1: '));
  for (const line of lines.slice(begin + 1)) {
    if (line.startsWith('=====')) break;
    if (line.startsWith('\t')) hex1.push(line.trim());
    else if (line.trim()) hex0.push(line.trim());
  }
  return { node0: node(0), node1: node(1), fromNode0: Buffer.from(hex0.join(''), 'hex'), fromNode1: Buffer.from(hex1.join(''), 'hex') };
}

/** `a.b.c.d:port` or `[v6]:port` as tshark prints follow nodes. */
export function endpointText(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/**
 * Asserts that [offset, offset + length) of `input` is exactly `expected` and spans whole lines:
 * it starts at a line start and ends where a line terminator begins.
 */
export function assertCoversLines(input: Uint8Array, range: { offset: number; length: number }, expected: string): void {
  if (text(input, range.offset, range.length) !== expected) {
    throw new Error(`bytes ${range.offset}+${range.length} are ${JSON.stringify(text(input, range.offset, range.length))}, expected ${JSON.stringify(expected)}`);
  }
  if (range.offset > 0 && input[range.offset - 1] !== 0x0a) throw new Error(`offset ${range.offset} is not at a line start`);
  const after = input[range.offset + range.length];
  if (after !== 0x0d && after !== 0x0a) throw new Error(`range ${range.offset}+${range.length} does not end at a line end`);
}

/** The text an LSP-style range (zero-based lines, UTF-16 characters) selects in `doc`. */
export function sliceRange(doc: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  const lineStarts = [0];
  for (let i = 0; i < doc.length; i++) if (doc[i] === '\n') lineStarts.push(i + 1);
  const at = (p: { line: number; character: number }) => {
    if (p.line >= lineStarts.length) throw new Error(`line ${p.line} is past the end of the document`);
    return lineStarts[p.line] + p.character;
  };
  return doc.slice(at(range.start), at(range.end));
}

/** Characters no rendered text may contain raw: C0/C1 controls (but \n), DEL, bidi controls. */
export const UNSAFE_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A one-connection analysis from raw client and server bytes (one segment each way, after a handshake). */
export function streamOf(request: string, response: string): StreamAnalysis {
  const client = { address: '192.0.2.1', port: 50000 };
  const server = { address: '192.0.2.2', port: 80 };
  const base = { time: 1, stream: 7, window: 0, capturedLength: 0 };
  const reassembler = new TcpReassembler();
  reassembler.add({ ...base, frame: 1, src: client, dst: server, seq: 100, flags: TcpFlag.SYN, payload: new Uint8Array() });
  reassembler.add({ ...base, frame: 2, src: server, dst: client, seq: 900, flags: TcpFlag.SYN | TcpFlag.ACK, payload: new Uint8Array() });
  reassembler.add({ ...base, frame: 3, src: client, dst: server, seq: 101, flags: TcpFlag.ACK, payload: bytes(request) });
  reassembler.add({ ...base, frame: 4, src: server, dst: client, seq: 901, flags: TcpFlag.ACK, payload: bytes(response) });
  const [connection] = reassembler.finish();
  const http = parseHttpConversation(connection.clientToServer.bytes, connection.serverToClient.bytes);
  return { connection, http, findings: findRuleViolations(connection, http, ALL_RULES) };
}
