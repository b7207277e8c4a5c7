import * as assert from 'node:assert/strict';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { sample, streamOf, UNSAFE_CHARS } from '../helpers';

describe('renderStreamDocument', () => {
  let incident: StreamAnalysis;
  const capture = sample('incident-wrong.pcapng');

  before(async () => {
    const analysis = await analyzeCaptureFile(capture);
    incident = analysis.streams.get(0)!;
    assert.ok(incident, 'incident-wrong has stream 0');
  });

  it('HTTP mode: heading, then the request under its heading, then the response under its own', () => {
    const lines = renderStreamDocument(capture, 'http', incident).text.split('\n');
    assert.equal(lines[0], 'Wirelens · Follow HTTP stream 0 · incident-wrong.pcapng');
    assert.match(lines[1], /^client 127\.0\.0\.1:\d+ → server 127\.0\.0\.1:\d+ · 10 packets · 1 exchange · 1 finding$/);
    const request = lines.findIndex((l) => l.startsWith('▶ request 1 · client → server · bytes 0–165'));
    const response = lines.findIndex((l) => l.startsWith('◀ response 1 · server → client · bytes 0–155'));
    assert.ok(request > 1 && response > request, `headings in order: ${request}, ${response}`);
    assert.equal(lines[request + 1], 'POST /wrong HTTP/1.1');
    assert.equal(lines[response + 1], 'HTTP/1.1 200 OK');
    assert.deepEqual(lines.slice(response + 3, response + 5), ['Transfer-Encoding: Chunked', 'transfer-encoding: chunked']);
    // The request body and the whole de-chunked framing are shown as sent.
    assert.ok(lines.slice(request, response).includes('{"order":42,"item":"widget"}'));
    assert.deepEqual(lines.slice(response + 6, response + 11), ['c', '{"order":42,', '14', '"status":"accepted"}', '0']);
  });

  it('locate() maps payload bytes to where they were written', () => {
    const rendered = renderStreamDocument(capture, 'http', incident);
    const lines = rendered.text.split('\n');
    const response = lines.findIndex((l) => l.startsWith('◀ response 1'));
    assert.deepEqual(rendered.locate('server-to-client', 0), { line: response + 1, character: 0 });
    assert.deepEqual(rendered.locate('server-to-client', 9), { line: response + 1, character: 9 }); // "200"
    assert.deepEqual(rendered.locate('server-to-client', 17), { line: response + 2, character: 0 }); // after CRLF
  });

  it('TCP mode: payload per direction with the frame that carried it', () => {
    const lines = renderStreamDocument(capture, 'tcp', incident).text.split('\n');
    assert.equal(lines[0], 'Wirelens · Follow TCP stream 0 · incident-wrong.pcapng');
    const c2s = lines.indexOf('▶ client → server · frame 4 · bytes 0–165');
    const s2c = lines.indexOf('◀ server → client · frame 6 · bytes 0–155');
    assert.ok(c2s > 0 && s2c > c2s);
    assert.equal(lines[c2s + 1], 'POST /wrong HTTP/1.1');
    assert.equal(lines[s2c + 1], 'HTTP/1.1 200 OK');
  });

  it('hostile bytes (ESC, NUL, <script>, bidi U+202E, BEL) are escaped, never written raw', () => {
    const evil = 'X-Evil: \x1b[31mred\x00<script>alert(1)</script>\xe2\x80\xae!\x07';
    const stream = streamOf('GET / HTTP/1.1\r\nHost: h\r\n\r\n', `HTTP/1.1 200 OK\r\n${evil}\r\nContent-Length: 2\r\n\r\nok`);
    for (const mode of ['http', 'tcp'] as const) {
      const text = renderStreamDocument('/x/evil.pcap', mode, stream).text;
      assert.doesNotMatch(text, UNSAFE_CHARS, `${mode}: raw control or bidi character in the document`);
      assert.ok(text.split('\n').includes('X-Evil: \\x1b[31mred\\x00<script>alert(1)</script>\\xe2\\x80\\xae!\\x07'), mode);
    }
  });

  it('bare CR and bare LF are made visible; CRLF ends a line invisibly', () => {
    const stream = streamOf('GET / HTTP/1.1\r\nA: 1\nB: 2\rC\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n');
    const lines = renderStreamDocument('/x/lf.pcap', 'http', stream).text.split('\n');
    const request = lines.findIndex((l) => l.startsWith('▶ request 1'));
    assert.deepEqual(lines.slice(request + 1, request + 4), ['GET / HTTP/1.1', 'A: 1␊', 'B: 2␍C']);
  });

  it('a stream that is not HTTP is shown as TCP payload', () => {
    const stream = streamOf('SSH-2.0-OpenSSH_9.2\r\n', 'SSH-2.0-OpenSSH_8.4\r\n');
    const text = renderStreamDocument('/x/ssh.pcap', 'http', stream).text;
    assert.ok(text.includes('(this stream is not HTTP/1.x: showing its TCP payload)'));
    assert.ok(text.includes('\nSSH-2.0-OpenSSH_9.2\n'));
  });

  it('bytes after a protocol switch are listed as not parsed', () => {
    const stream = streamOf('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n', 'HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x02hi');
    const text = renderStreamDocument('/x/ws.pcap', 'http', stream).text;
    assert.ok(text.includes('◀ server → client · bytes 36–40 · not parsed as HTTP/1.x (switched-protocols)\n\\x81\\x02hi'), text);
  });

  it('long bodies are cut, saying how much is not shown', () => {
    const body = 'x'.repeat(70_000);
    const stream = streamOf('GET / HTTP/1.1\r\n\r\n', `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const text = renderStreamDocument('/x/big.pcap', 'http', stream).text;
    assert.ok(text.includes(`… ${70_000 - 64 * 1024} more body bytes not shown`));
    assert.ok(text.length < 70_000);
  });
});
