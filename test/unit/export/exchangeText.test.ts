import * as assert from 'node:assert/strict';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { exchangeText } from '../../../server/src/export/exchangeText';
import { sample, streamOf, UNSAFE_CHARS } from '../helpers';

describe('exchangeText', () => {
  it('is the request then the response as sent, CRLF as line ends', async () => {
    const incident = (await analyzeCaptureFile(sample('incident-wrong.pcapng'))).streams.get(0)!;
    const text = exchangeText(incident, 0);
    const lines = text.split('\n');
    assert.equal(lines[0], 'POST /wrong HTTP/1.1');
    const response = lines.indexOf('HTTP/1.1 200 OK');
    assert.ok(response > 0);
    assert.equal(lines[response - 1], '{"order":42,"item":"widget"}', 'the request body ends right before the response');
    assert.deepEqual(lines.slice(response + 2, response + 4), ['Transfer-Encoding: Chunked', 'transfer-encoding: chunked']);
    assert.equal(text, exchangeText(incident), 'one exchange: the whole conversation is the same text');
  });

  it('escapes what a terminal would interpret, and separates exchanges', () => {
    const stream = streamOf('GET /a HTTP/1.1\r\nX: \x1b]0;pwned\x07\r\n\r\nGET /b HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\nbHTTP/1.1 204 No Content\r\n\r\n');
    const text = exchangeText(stream);
    assert.doesNotMatch(text, UNSAFE_CHARS);
    assert.match(text, /X: \\x1b\]0;pwned\\x07/);
    assert.match(text, /a␊\nb\n\nGET \/b HTTP\/1\.1/);
    assert.equal(exchangeText(stream, 1), 'GET /b HTTP/1.1\n\nHTTP/1.1 204 No Content\n\n');
    assert.throws(() => exchangeText(stream, 2), /no exchange 3/);
  });

  it('HTTP/2 exchanges are their decoded fields, then the DATA bytes as sent, then the trailers', async () => {
    const h2c = (await analyzeCaptureFile(sample('h2c-grpc.pcapng'))).streams.get(0)!;
    const grpc = exchangeText(h2c, 1).split('\n');
    assert.deepEqual(grpc.slice(0, 2), [':method: POST', ':path: /orders.v1.Orders/Get']);
    assert.ok(grpc.includes('\\x00\\x00\\x00\\x00\\x02\\x08*'), 'the gRPC message, escaped');
    assert.deepEqual(grpc.slice(-3), ['grpc-status: 5', 'grpc-message: order 42 not found', '']);
    assert.match(exchangeText(h2c), /:path: \/hello[\s\S]*:path: \/orders\.v1\.Orders\/Get/);
  });

  it('a conversation without exchanges (TLS, no keys) is copied as its payload in capture order', async () => {
    const tls = (await analyzeCaptureFile(sample('tls12-unknown-ca.pcapng'))).streams.get(0)!;
    const text = exchangeText(tls);
    assert.ok(text.startsWith('\\x16\\x03\\x01'), 'a TLS record header, escaped');
    assert.doesNotMatch(text, UNSAFE_CHARS);
  });
});
