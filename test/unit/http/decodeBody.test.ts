import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { decodeBody, presentBody, prettyJson } from '../../../server/src/http/decodeBody';
import type { HttpMessage } from '../../../server/src/http/httpMessage';
import { parseHttpMessage } from '../../../server/src/http/parseHttpMessage';
import { UNSAFE_CHARS } from '../helpers';

/** A response with these header lines and body bytes, parsed by the real parser. */
function response(headers: string[], body: Uint8Array): { wire: Uint8Array; message: HttpMessage } {
  const head = Buffer.from(['HTTP/1.1 200 OK', ...headers].join('\r\n') + '\r\n\r\n', 'latin1');
  const wire = Buffer.concat([head, body]);
  const outcome = parseHttpMessage(wire, 0, 'response');
  assert.ok('message' in outcome, 'the fixture parses');
  return { wire, message: outcome.message };
}

/** The same body with Content-Length framing. */
function withLength(headers: string[], body: Uint8Array) {
  return response([...headers, `Content-Length: ${body.length}`], body);
}

/** Chunked framing, cut into chunks of `size` bytes. */
function chunked(headers: string[], body: Uint8Array, size = 7) {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), Buffer.from(piece), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return response([...headers, 'Transfer-Encoding: chunked'], Buffer.concat(parts));
}

const JSON_TEXT = '{"order":42,"items":[{"id":12345678901234567890,"name":"widget"},{"id":2,"tags":[]}],"note":"a \\"quoted\\" word"}';

describe('decodeBody', () => {
  it('de-chunks using the chunks the parser found', async () => {
    const { wire, message } = chunked(['Content-Type: text/plain'], Buffer.from('hello, chunked world'), 4);
    assert.ok(message.chunks.length > 3);
    const body = await decodeBody(wire, message);
    assert.equal(Buffer.from(body.bytes).toString(), 'hello, chunked world');
    assert.deepEqual(body.codings, []);
    assert.equal(body.wireLength, message.bodyLength);
    assert.ok(body.wireLength > body.bytes.length, 'the wire length includes the chunk framing');
  });

  it('gunzips gzip and x-gzip, and pretty-prints JSON keeping number literals exactly', async () => {
    for (const coding of ['gzip', 'x-gzip', 'GZIP']) {
      const { wire, message } = withLength(['Content-Type: application/json', `Content-Encoding: ${coding}`], zlib.gzipSync(JSON_TEXT));
      const body = await decodeBody(wire, message);
      assert.equal(Buffer.from(body.bytes).toString(), JSON_TEXT, coding);
      const shown = presentBody(body);
      assert.equal(shown.kind, 'json');
      assert.match(shown.text!, /^\{\n {2}"order": 42,\n {2}"items": \[\n {4}\{\n {6}"id": 12345678901234567890,/);
      assert.match(shown.text!, /"tags": \[\]/);
      assert.deepEqual(JSON.parse(shown.text!), JSON.parse(JSON_TEXT));
    }
  });

  it('inflates deflate in both forms: zlib-wrapped (RFC 9110) and raw', async () => {
    const text = 'deflated text '.repeat(50);
    for (const [data, name] of [[zlib.deflateSync(text), 'deflate'], [zlib.deflateRawSync(text), 'deflate (raw, without the zlib header)']] as const) {
      const { wire, message } = withLength(['Content-Type: text/plain; charset=utf-8', 'Content-Encoding: deflate'], data);
      const body = await decodeBody(wire, message);
      assert.equal(Buffer.from(body.bytes).toString(), text);
      assert.deepEqual(body.undone, [name]);
      assert.deepEqual(body.notes, []);
    }
  });

  it('decompresses br, chunked on the wire', async () => {
    const html = '<html><body>' + 'brotli '.repeat(200) + '</body></html>';
    const { wire, message } = chunked(['Content-Type: text/html; charset=utf-8', 'Content-Encoding: br'], zlib.brotliCompressSync(html), 50);
    const body = await decodeBody(wire, message);
    assert.equal(Buffer.from(body.bytes).toString(), html);
    const shown = presentBody(body);
    assert.equal(shown.kind, 'text');
    assert.equal(shown.text, html);
  });

  it('undoes stacked codings last-applied first, transfer codings before content codings', async () => {
    const json = '{"stacked":true}';
    // Applied: gzip, then br (Content-Encoding order), then deflate as a transfer coding.
    const data = zlib.deflateSync(zlib.brotliCompressSync(zlib.gzipSync(json)));
    const { wire, message } = chunked(['Content-Type: application/problem+json', 'Content-Encoding: gzip', 'Content-Encoding: br', 'Transfer-Encoding: deflate'], data, 9);
    // The fixture's second Transfer-Encoding line comes from chunked(): codings gzip, br, deflate.
    const body = await decodeBody(wire, message);
    assert.deepEqual(body.codings, ['gzip', 'br', 'deflate']);
    assert.deepEqual(body.undone, ['deflate', 'br', 'gzip']);
    assert.equal(Buffer.from(body.bytes).toString(), json);
    assert.equal(presentBody(body).kind, 'json');
  });

  it('cuts a decompression bomb at the cap and says so', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < 100 * 1024, `the bomb is small on the wire (${bomb.length} bytes)`);
    const { wire, message } = withLength(['Content-Type: application/octet-stream', 'Content-Encoding: gzip'], bomb);
    const body = await decodeBody(wire, message, { maxBytes: 1024 * 1024 });
    assert.equal(body.capped, true);
    assert.equal(body.bytes.length, 1024 * 1024);
    assert.ok(body.notes.some((note) => /truncated at 1 MiB/.test(note)), body.notes.join(' | '));
    // The default cap holds too.
    const whole = await decodeBody(wire, message);
    assert.equal(whole.bytes.length, 16 * 1024 * 1024);
    assert.ok(whole.notes.some((note) => /truncated at 16 MiB/.test(note)));
  });

  it('reports a corrupt stream without throwing and shows the bytes as received', async () => {
    const garbage = Buffer.from('this is not gzip at all');
    const { wire, message } = withLength(['Content-Type: text/plain', 'Content-Encoding: gzip'], garbage);
    const body = await decodeBody(wire, message);
    assert.deepEqual(body.undone, []);
    assert.equal(Buffer.from(body.bytes).toString(), garbage.toString());
    assert.ok(body.notes.some((note) => /gzip could not be decoded \(.+\)/.test(note)), body.notes.join(' | '));
    assert.equal(presentBody(body).kind, 'binary', 'bytes still coded are not read as text');
  });

  it('keeps what decoded before corruption, and what a capture cut short holds', async () => {
    // Varied text, so the compressed stream is long enough to damage in its middle.
    const text = Array.from({ length: 20_000 }, (_, i) => ((i * 7919) % 100_003).toString(36)).join(' ');
    const data = zlib.gzipSync(text);
    const corrupt = Buffer.from(data);
    corrupt.fill(0xff, data.length >> 1, (data.length >> 1) + 64);
    const corrupted = withLength(['Content-Encoding: gzip'], corrupt);
    const broken = await decodeBody(corrupted.wire, corrupted.message);
    assert.ok(broken.notes.some((note) => /stopped with an error/.test(note) || /could not be decoded/.test(note)), broken.notes.join(' | '));

    const half = data.subarray(0, Math.floor(data.length / 2));
    const { wire, message } = response(['Content-Encoding: gzip', `Content-Length: ${data.length}`], half);
    assert.equal(message.complete, false);
    const partial = await decodeBody(wire, message);
    assert.ok(partial.bytes.length > 0 && partial.bytes.length < text.length, `partial output ${partial.bytes.length}`);
    assert.ok(partial.notes.includes('The capture holds only part of this body.'));
  });

  it('names codings it cannot undo and stops there', async () => {
    const { wire, message } = withLength(['Content-Encoding: gzip, zstd'], Buffer.from('opaque'));
    const body = await decodeBody(wire, message);
    assert.deepEqual(body.undone, []);
    assert.ok(body.notes.some((note) => /zstd coding is not decoded/.test(note)));
  });

  it('reads text in its charset, and escapes controls and bidi overrides', async () => {
    const latin1 = Buffer.from('caf\xe9 cr\xe8me\r\nline two', 'latin1');
    const { wire, message } = withLength(['Content-Type: text/plain; charset=ISO-8859-1'], latin1);
    const shown = presentBody(await decodeBody(wire, message));
    assert.equal(shown.text, 'café crème\nline two');

    const hostile = Buffer.from('ok\u202eevil\u0007bell\x1b[31m', 'utf8');
    const second = withLength(['Content-Type: text/plain; charset=utf-8'], hostile);
    const text = presentBody(await decodeBody(second.wire, second.message)).text!;
    assert.doesNotMatch(text, UNSAFE_CHARS);
    assert.equal(text, 'ok\\u{202e}evil\\x07bell\\x1b[31m');
  });

  it('describes binary bodies with a preview of their first bytes', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]);
    const { wire, message } = withLength(['Content-Type: image/png'], png);
    const shown = presentBody(await decodeBody(wire, message));
    assert.equal(shown.kind, 'binary');
    assert.equal(shown.preview!.length, 512);
    assert.deepEqual([...shown.preview!.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  it('says invalid JSON is invalid and shows it as text', async () => {
    const { wire, message } = withLength(['Content-Type: application/json'], Buffer.from('{"cut":'));
    const shown = presentBody(await decodeBody(wire, message));
    assert.equal(shown.kind, 'text');
    assert.ok(shown.notes.some((note) => /^Not valid JSON/.test(note)));
  });

  it('prettyJson leaves strings with brackets and escapes alone', () => {
    assert.equal(prettyJson('{"a":"[x, {y}]","b":"\\"}"}'), '{\n  "a": "[x, {y}]",\n  "b": "\\"}"\n}');
    assert.equal(prettyJson('[ ]'), '[]');
  });
});
