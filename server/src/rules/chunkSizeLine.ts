/**
 * The parts of a chunk-size line (RFC 9112 §7.1): `chunk-size [ chunk-ext ] CRLF`. The size token
 * runs to the first `;` (or the line end) without trailing spaces and tabs; the extension is what
 * follows, from its first byte that is not a space or tab. Byte ranges, so findings cover them exactly.
 */
import type { Line } from '../http/httpMessage';

export interface ChunkSizeLineParts {
  readonly token: { readonly offset: number; readonly length: number };
  /** Absent when nothing but blanks follows the size. */
  readonly extension?: { readonly offset: number; readonly length: number };
}

const SEMICOLON = 0x3b;
const isBlank = (byte: number) => byte === 0x20 || byte === 0x09;

export function chunkSizeLineParts(bytes: Uint8Array, line: Line): ChunkSizeLineParts {
  const lineEnd = line.offset + line.length;
  let semicolon = line.offset;
  while (semicolon < lineEnd && bytes[semicolon] !== SEMICOLON) semicolon++;
  let tokenEnd = semicolon;
  while (tokenEnd > line.offset && isBlank(bytes[tokenEnd - 1])) tokenEnd--;
  let extensionStart = tokenEnd;
  while (extensionStart < lineEnd && isBlank(bytes[extensionStart])) extensionStart++;
  const token = { offset: line.offset, length: tokenEnd - line.offset };
  return extensionStart < lineEnd ? { token, extension: { offset: extensionStart, length: lineEnd - extensionStart } } : { token };
}
