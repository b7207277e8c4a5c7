import * as assert from 'node:assert/strict';
import { encodeLiteralBlock, HpackDecoder, readInteger } from '../../../server/src/http2/hpack';
import { huffmanDecode, huffmanEncode } from '../../../server/src/http2/huffman';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('HPACK (RFC 7541)', () => {
  it('reads prefixed integers (C.1.2: 1337 with a 5-bit prefix)', () => {
    assert.deepEqual(readInteger(hex('1f9a0a'), 0, 5), [1337, 3]);
    assert.deepEqual(readInteger(hex('0a'), 0, 5), [10, 1]);
  });

  it('decodes Huffman strings (C.4.1 "www.example.com") and round-trips every byte', () => {
    assert.equal(latin1(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff'))), 'www.example.com');
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(huffmanDecode(huffmanEncode(all)), all);
  });

  it('rejects Huffman padding that is not EOS', () => {
    assert.throws(() => huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4fe')));
  });

  it('decodes the C.4 request sequence with one dynamic table', () => {
    const decoder = new HpackDecoder();
    const first = decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'));
    assert.deepEqual(first.fields.map((f) => [f.name, f.value]), [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']]);
    assert.deepEqual(first.fields.map((f) => [f.start, f.length, f.representation]), [[0, 1, 'indexed'], [1, 1, 'indexed'], [2, 1, 'indexed'], [3, 14, 'literal-incremental']]);
    const second = decoder.decode(hex('8286 84be 5886 a8eb 1064 9cbf'));
    assert.deepEqual(second.fields.map((f) => [f.name, f.value]), [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']]);
  });

  it('keeps names exactly as sent (uppercase included) and locates each literal', () => {
    const block = encodeLiteralBlock([[':status', '200'], ['Content-Type', 'text/plain']]);
    const { fields, error } = new HpackDecoder().decode(block);
    assert.equal(error, undefined);
    assert.deepEqual(fields.map((f) => [f.name, f.value, f.start, f.length, f.representation]), [
      [':status', '200', 0, 13, 'literal-without-indexing'],
      ['Content-Type', 'text/plain', 13, 25, 'literal-without-indexing'],
    ]);
    const huffman = new HpackDecoder().decode(encodeLiteralBlock([['x-a', 'b']], { huffman: true }));
    assert.deepEqual(huffman.fields.map((f) => [f.name, f.value]), [['x-a', 'b']]);
  });

  it('reports where a block breaks and refuses later blocks (the table is out of step)', () => {
    const decoder = new HpackDecoder();
    const broken = decoder.decode(hex('82 ff'));
    assert.equal(broken.fields.length, 1);
    assert.equal(broken.error?.at, 1);
    assert.match(decoder.decode(hex('82')).error?.message ?? '', /not decoded/);
    assert.match(new HpackDecoder().decode(hex('be')).error?.message ?? '', /past the end/);
  });
});
