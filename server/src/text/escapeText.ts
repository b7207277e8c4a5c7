/**
 * Decoded body text (a gzip'd JSON, a latin1 page) comes from the wire too: it is Unicode now,
 * not bytes, but the same characters must not reach a person raw. Line breaks and tabs stay (a
 * body is read as lines); everything else escapeControls neutralises (controls, DEL, bidi and
 * other format characters) becomes a visible escape.
 */
import { escapeControls } from './escapeBytes';

export function escapeDecodedText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.split('\t').map(escapeControls).join('\t'))
    .join('\n');
}
