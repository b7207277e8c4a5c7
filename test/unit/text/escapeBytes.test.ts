/** Packet bytes as text for people: nothing a terminal, editor or bidi algorithm acts on survives. */
import * as assert from 'node:assert/strict';
import { escapeBytes, escapeControls, escapeLatin1 } from '../../../server/src/text/escapeBytes';

describe('escapeBytes', () => {
  it('keeps printable ASCII and writes every other byte as a visible escape', () => {
    const bytes = Buffer.from('A<b>\x1b[2J\x00\x7f\x9b\xe2\x80\xae\t', 'latin1');
    assert.equal(escapeBytes(bytes).text, 'A<b>\\x1b[2J\\x00\\x7f\\x9b\\xe2\\x80\\xae\\t');
  });

  it('maps each byte to where its escape starts', () => {
    assert.deepEqual(escapeBytes(Buffer.from('a\x1bb', 'latin1')).columns, [0, 1, 5, 6]);
  });

  it('escapeLatin1 does the same for text decoded one byte per char', () => {
    assert.equal(escapeLatin1('/invoice\xe2\x80\xae\x1b]52;c;x\x07'), '/invoice\\xe2\\x80\\xae\\x1b]52;c;x\\x07');
  });

  it('escapeControls neutralises controls and bidi/format characters in Unicode text, and keeps the rest', () => {
    assert.equal(escapeControls('naïve café → ok'), 'naïve café → ok');
    assert.equal(escapeControls('a\u202Eb\u2066c\u2069d\u200Be'), 'a\\u{202e}b\\u{2066}c\\u{2069}d\\u{200b}e');
    assert.equal(escapeControls('\x1b[2J\u009b1m\x00'), '\\x1b[2J\\x9b1m\\x00');
  });
});
