/**
 * The lines of a message's framing as sent, re-read from its bytes with the parser's own line
 * reader: the start line, every line of the header section (field lines, obs-fold continuations,
 * lines without a colon, the empty line that ends it), each chunk-size line, the line end after
 * each chunk's data, and the trailer section. bare-lf, bare-cr and header-section-too-large walk
 * these; a line's role goes into their messages.
 */
import type { HttpMessage, Line } from '../http/httpMessage';
import { latin1, readLine } from '../http/parseHttpMessage';
import { escapeLatin1 } from '../text/escapeBytes';

export type LineRole =
  | 'start line'
  | 'field line'
  | 'obs-fold continuation line'
  | 'empty line ending the header section'
  | 'chunk-size line'
  | 'line end after chunk data'
  | 'trailer field line'
  | 'empty line ending the trailer section';

export interface MessageLine {
  readonly line: Line;
  readonly role: LineRole;
}

const SP = 0x20;
const HTAB = 0x09;

/** Field lines from `from` to the empty line that ends the section (included), within `limit`. */
function fieldSection(bytes: Uint8Array, from: number, limit: number, trailer: boolean): MessageLine[] {
  const lines: MessageLine[] = [];
  for (let at = from; at < limit; ) {
    const line = readLine(bytes, at);
    if (!line || line.next > limit) break;
    if (line.length === 0) {
      lines.push({ line, role: trailer ? 'empty line ending the trailer section' : 'empty line ending the header section' });
      break;
    }
    const first = bytes[line.offset];
    const folded = (first === SP || first === HTAB) && lines.length > 0;
    lines.push({ line, role: folded ? 'obs-fold continuation line' : trailer ? 'trailer field line' : 'field line' });
    at = line.next;
  }
  return lines;
}

/** The start line and the header section, as the parser read them. */
export function headerSectionLines(message: HttpMessage, bytes: Uint8Array): MessageLine[] {
  return [{ line: message.startLine, role: 'start line' }, ...fieldSection(bytes, message.startLine.next, message.headerSectionEnd, false)];
}

/** Every line of the message's framing: header section, chunk lines, trailer section. */
export function framingLines(message: HttpMessage, bytes: Uint8Array): MessageLine[] {
  const lines = headerSectionLines(message, bytes);
  const end = Math.min(message.end, bytes.length);
  for (const chunk of message.chunks) {
    lines.push({ line: chunk.sizeLine, role: 'chunk-size line' });
    if (chunk.size === 0) {
      lines.push(...fieldSection(bytes, chunk.sizeLine.next, end, true));
      continue;
    }
    const dataEnd = chunk.dataOffset + chunk.size;
    const after = dataEnd < end ? readLine(bytes, dataEnd) : undefined;
    if (after && after.length === 0 && after.next <= end) lines.push({ line: after, role: 'line end after chunk data' });
  }
  return lines;
}

/** Wire bytes quoted for a message: escaped, and cut after `max` bytes. */
export function quoteBytes(bytes: Uint8Array, offset: number, length: number, max = 60): string {
  const shown = escapeLatin1(latin1(bytes, offset, Math.min(length, max)));
  return length > max ? `${shown}...` : shown;
}

/** A count with its noun: "1 line", "3 lines". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
