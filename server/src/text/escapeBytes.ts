/**
 * Packet bytes are attacker-controlled. Every place that turns them into text for people
 * (stream documents, CLI output) goes through here: printable ASCII passes, everything else
 * (controls, ESC, DEL, bytes ≥ 0x80, so also bidi controls and other multi-byte tricks)
 * becomes a visible escape. Nothing a terminal or editor could interpret survives.
 */

/** The visible text for one byte, other than line terminators (callers decide on those). */
export function escapeByte(byte: number): string {
  if (byte >= 0x20 && byte <= 0x7e) return String.fromCharCode(byte);
  if (byte === 0x09) return '\\t';
  if (byte === 0x0d) return '\\r';
  if (byte === 0x0a) return '\\n';
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** Escapes bytes; `columns[i]` is where byte i starts in the result (one extra entry for the end). */
export function escapeBytes(bytes: Uint8Array): { text: string; columns: number[] } {
  let text = '';
  const columns: number[] = [];
  for (const byte of bytes) {
    columns.push(text.length);
    text += escapeByte(byte);
  }
  columns.push(text.length);
  return { text, columns };
}

/** The same escaping for text that was decoded byte-per-char (latin1) from the wire. */
export function escapeLatin1(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += escapeByte(text.charCodeAt(i) & 0xff);
  return out;
}

/**
 * The same neutralising for text that is already Unicode (a percent-decoded gRPC message):
 * C0 and C1 controls, DEL and format characters (bidi overrides and isolates, zero-width ones)
 * become `\xNN` / `\u{NNNN}`; every other character stays as it is.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code <= 0xff ? escapeByte(code) : `\\u{${code.toString(16)}}`;
  });
}
