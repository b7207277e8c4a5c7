/**
 * Decoded body text (a gzip'd JSON, a latin1 page) comes from the wire too: it is Unicode now,
 * not bytes, but the same characters must not reach a person raw. Line breaks and tabs stay;
 * C0/C1 controls, DEL and the bidirectional controls become visible escapes (escapeBytes.ts's
 * spelling for code points below 0x100, `\u{…}` above).
 */
import { escapeByte } from './escapeBytes';

const INVISIBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeDecodedText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(INVISIBLE, (c) => {
      const code = c.charCodeAt(0);
      return code < 0x100 ? escapeByte(code) : `\\u{${code.toString(16)}}`;
    });
}
