/**
 * The first check on any file handed to Wirelens, before the direct reader or tshark sees it:
 * does it exist, and do its first bytes say what it is? pcap and pcapng are read directly;
 * compressed files and every other format go to tshark, which reads many more; files that are
 * certainly not captures are refused here with a sentence naming what they look like. Without
 * this check tshark 4.0 opens a file of under 8 bytes as "MP4 media" and JSON as "JavaScript
 * Object Notation" and exits 0 with no packets, so a wrong file looked like an empty capture.
 */
import * as fs from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { CaptureFileError } from './captureFileError';
import { isPcap } from './pcapReader';
import { isPcapng } from './pcapngReader';

/** How the file is read: directly, or by tshark (with what it looks like, for tshark's refusal). */
export type CaptureReader = { readonly reader: 'direct' } | { readonly reader: 'tshark'; readonly looksLike?: string };

export interface CheckedCaptureFile {
  readonly size: number;
  readonly read: CaptureReader;
}

/**
 * Shorter than any capture file that can hold a packet: a snoop header and an ERF record header
 * are 16 bytes, pcap's 24, pcapng's smallest section header 28.
 */
export const MIN_CAPTURE_BYTES = 16;
/** Bytes looked at: enough to tell text from binary and to find a compressed file's inner magic. */
const HEAD_BYTES = 4096;

/** Compression tshark may decompress itself (Wireshark 4.0 reads gzip, and zstd and lz4 when built with them). */
const COMPRESSED: readonly { readonly magic: readonly number[]; readonly name: string }[] = [
  { magic: [0x1f, 0x8b], name: 'gzip' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd' },
  { magic: [0x04, 0x22, 0x4d, 0x18], name: 'lz4' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz' },
  { magic: [0x42, 0x5a, 0x68], name: 'bzip2' },
];

/** Formats that are never packet captures (tshark opens some of them as a one-record "file"). */
const NOT_CAPTURES: readonly { readonly magic: readonly number[]; readonly at?: number; readonly name: string }[] = [
  { magic: [0x50, 0x4b, 0x03, 0x04], name: 'a ZIP archive (extract the capture from it first)' },
  { magic: [0x25, 0x50, 0x44, 0x46, 0x2d], name: 'a PDF document' },
  { magic: [0x89, 0x50, 0x4e, 0x47], name: 'a PNG image' },
  { magic: [0xff, 0xd8, 0xff], name: 'a JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], name: 'a GIF image' },
  { magic: [0x7f, 0x45, 0x4c, 0x46], name: 'an ELF executable' },
  { magic: [0x66, 0x74, 0x79, 0x70], at: 4, name: 'an MP4/QuickTime media file' },
];

function startsWith(head: Uint8Array, magic: readonly number[], at = 0): boolean {
  return head.length >= at + magic.length && magic.every((byte, i) => head[at + i] === byte);
}

/** Text: no control bytes but tab, CR, LF, FF, and valid UTF-8 (a character cut by the end of `head` is fine). */
function textOf(head: Uint8Array): string | undefined {
  for (const byte of head) if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) || byte === 0x7f) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
}

type Verdict = { readonly verdict: 'direct' } | { readonly verdict: 'tshark'; readonly looksLike?: string } | { readonly verdict: 'refuse'; readonly why: string };

/** What the first bytes of a file (all of it when shorter than HEAD_BYTES) say about it. */
export function classifyHead(head: Uint8Array, size: number): Verdict {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (isPcap(buf) || isPcapng(buf)) return { verdict: 'direct' };
  if (size === 0) return { verdict: 'refuse', why: 'is empty (0 bytes), not a capture' };
  if (size < MIN_CAPTURE_BYTES) return { verdict: 'refuse', why: `is only ${size} byte${size === 1 ? '' : 's'} long: too short to be a capture file` };
  const compressed = COMPRESSED.find((c) => startsWith(head, c.magic));
  if (compressed) return { verdict: 'tshark', looksLike: `${compressed.name}-compressed data` };
  const other = NOT_CAPTURES.find((c) => startsWith(head, c.magic, c.at));
  if (other) return { verdict: 'refuse', why: `is not a capture: it is ${other.name}` };
  const text = textOf(head);
  if (text === undefined) return { verdict: 'tshark' };
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) return { verdict: 'refuse', why: 'is not a capture: it is JSON text' };
  if (/^<(!doctype html|html)[\s>]/i.test(start)) return { verdict: 'refuse', why: 'is not a capture: it is an HTML page' };
  // Some capture formats tshark reads are text (K12 text, 3GPP nettrace XML, hex dumps): tshark decides.
  return { verdict: 'tshark', looksLike: start.startsWith('<') ? 'XML text' : 'text' };
}

/** The first bytes of a gzip stream, decompressed as far as `compressed` goes (undefined if it is not valid gzip). */
function gunzipHead(compressed: Uint8Array): Uint8Array | undefined {
  try {
    return zlib.gunzipSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES);
  } catch {
    return undefined;
  }
}

/** A sentence-ready reason from fs's error code. */
function openFailure(file: string, error: unknown): CaptureFileError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CaptureFileError(`${file} does not exist.`);
  if (code === 'EACCES' || code === 'EPERM') return new CaptureFileError(`${file} cannot be read: permission denied.`);
  if (code === 'EISDIR') return new CaptureFileError(`${file} is not a file.`);
  return new CaptureFileError(`${file} cannot be read (${code ?? (error instanceof Error ? error.message : String(error))}).`);
}

/**
 * Opens `file` and reads its first bytes: how it is to be read, or a CaptureFileError saying
 * why it is not a capture (missing, unreadable, empty, too short, another kind of file).
 */
export async function checkCaptureFile(file: string): Promise<CheckedCaptureFile> {
  const stat = await fs.stat(file).catch((error: unknown) => {
    throw openFailure(file, error);
  });
  if (!stat.isFile()) throw new CaptureFileError(`${file} is not a file.`);
  const handle = await fs.open(file, 'r').catch((error: unknown) => {
    throw openFailure(file, error);
  });
  let head: Uint8Array;
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, stat.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const outer = classifyHead(head, stat.size);
  if (outer.verdict === 'refuse') throw new CaptureFileError(`${file} ${outer.why}.`);
  if (outer.verdict === 'direct') return { size: stat.size, read: { reader: 'direct' } };
  let looksLike = outer.looksLike;
  if (startsWith(head, COMPRESSED[0].magic)) {
    // gzip: look inside, so that a compressed JSON file is refused like a plain one.
    const inner = gunzipHead(head);
    if (!inner) throw new CaptureFileError(`${file} is gzip-compressed, but its compressed data is damaged.`);
    const whole = head.length === stat.size && inner.length < HEAD_BYTES;
    const verdict = classifyHead(inner, whole ? inner.length : Number.MAX_SAFE_INTEGER);
    if (verdict.verdict === 'refuse') throw new CaptureFileError(`${file} is gzip-compressed, and what it holds ${verdict.why}.`);
    looksLike = `gzip-compressed ${verdict.verdict === 'tshark' && verdict.looksLike ? verdict.looksLike : 'data'}`;
  }
  return { size: stat.size, read: { reader: 'tshark', ...(looksLike ? { looksLike } : {}) } };
}
