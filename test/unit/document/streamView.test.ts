import * as assert from 'node:assert/strict';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { buildStreamView, MAX_VIEW_BYTES } from '../../../server/src/document/streamView';
import type { StreamView } from '../../../protocol/model';
import { sample, streamOf, UNSAFE_CHARS } from '../helpers';

/** The text a mark covers, read from the run lines the view sends. */
function markedText(view: StreamView, index: number): string {
  const mark = view.marks[index];
  const lines = view.runs[mark.run].lines;
  if (mark.startLine === mark.endLine) return lines[mark.startLine].slice(mark.startCharacter, mark.endCharacter);
  return [lines[mark.startLine].slice(mark.startCharacter), ...lines.slice(mark.startLine + 1, mark.endLine), lines[mark.endLine].slice(0, mark.endCharacter)].join('\n');
}

describe('buildStreamView', () => {
  let incident: StreamAnalysis;
  const capture = sample('incident-wrong.pcapng');

  before(async () => {
    incident = (await analyzeCaptureFile(capture)).streams.get(0)!;
  });

  it('lays out the runs in capture order with both sides and their bytes', async () => {
    const view = await buildStreamView(capture, incident);
    assert.deepEqual(view.runs.map((run) => run.direction), ['client-to-server', 'server-to-client']);
    const [request, response] = view.runs;
    assert.equal(request.lines[0], 'POST /wrong HTTP/1.1');
    assert.equal(response.lines[0], 'HTTP/1.1 200 OK');
    assert.equal(Buffer.from(response.data, 'base64').length, response.length);
    assert.equal(view.clientBytes, incident.connection.clientToServer.bytes.length);
    assert.equal(request.length + response.length, view.clientBytes + view.serverBytes);
    assert.ok(request.frame < response.frame);
  });

  it('places the finding on exactly its bytes, with the rule, RFC and verdicts', async () => {
    const view = await buildStreamView(capture, incident);
    assert.equal(view.marks.length, 1);
    assert.equal(markedText(view, 0), 'transfer-encoding: chunked');
    const finding = view.findings[view.marks[0].finding];
    assert.equal(finding.finding.ruleId, 'duplicate-transfer-encoding');
    assert.equal(finding.rfc?.section, '6.1');
    assert.ok(finding.verdicts.some((verdict) => verdict.implementation === 'envoy' && verdict.outcome === 'reject'));
  });

  it('decodes both bodies: the request JSON as sent, the chunked response de-chunked and pretty-printed', async () => {
    const view = await buildStreamView(capture, incident);
    assert.deepEqual(view.bodies.map((body) => body.label), ['request 1 · POST /wrong', 'response 1 · 200 OK']);
    const response = view.bodies[1];
    assert.equal(response.kind, 'json');
    assert.equal(response.text, '{\n  "order": 42,\n  "status": "accepted"\n}');
    assert.equal(response.decodedLength, '{"order":42,"status":"accepted"}'.length);
    assert.ok(response.wireLength > response.decodedLength);
  });

  it('escapes hostile bytes in runs, labels and marked text', async () => {
    const stream = streamOf('GET /\x1b[2J\xe2\x80\xae HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX: \x00\x7f\r\n\r\nab\ncd');
    const view = await buildStreamView('synthetic', stream);
    for (const run of view.runs) for (const line of run.lines) assert.doesNotMatch(line, UNSAFE_CHARS);
    for (const body of view.bodies) assert.doesNotMatch(body.label, UNSAFE_CHARS);
    assert.match(view.runs[0].lines[0], /^GET \/\\x1b\[2J\\xe2\\x80\\xae HTTP\/1\.1$/);
    assert.ok(view.marks.length > 0, 'the control bytes in a field value are a finding');
    view.marks.forEach((_, index) => assert.doesNotMatch(markedText(view, index), UNSAFE_CHARS));
  });

  it(`cuts at ${MAX_VIEW_BYTES} bytes and says so`, async () => {
    const body = 'x'.repeat(MAX_VIEW_BYTES + 1000);
    const stream = streamOf('GET / HTTP/1.1\r\nHost: a\r\n\r\n', `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const view = await buildStreamView('synthetic', stream);
    assert.equal(view.runs.reduce((sum, run) => sum + run.length, 0), MAX_VIEW_BYTES);
    assert.match(view.cut ?? '', /^showing the first 1\.0 MiB of 1\.0 MiB of payload$/);
  });
});

describe('buildStreamView on encoded-bodies.pcapng (curl --compressed against a loopback origin)', () => {
  it('decodes gzip, chunked br, deflate latin1, binary, and gzip+br stacked bodies', async () => {
    const capture = sample('encoded-bodies.pcapng');
    const stream = (await analyzeCaptureFile(capture)).streams.get(0)!;
    const view = await buildStreamView(capture, stream);
    assert.deepEqual(
      view.bodies.map((body) => [body.label, body.kind, body.codings.join('+')]),
      [
        ['response 1 · 200 OK', 'json', 'gzip'],
        ['response 2 · 200 OK', 'text', 'br'],
        ['response 3 · 200 OK', 'text', 'deflate'],
        ['response 4 · 200 OK', 'binary', ''],
        ['response 5 · 200 OK', 'json', 'gzip+br'],
      ],
    );
    const [orders, page, legacy, logo, report] = view.bodies;
    assert.match(orders.text!, /^\{\n {2}"orders": \[\n {4}\{\n {6}"id": 42,/);
    assert.match(orders.text!, /"total": "12345678901234567890"/);
    assert.match(page.text!, /^<!doctype html>.*Brotli-compressed page — déjà vu\./);
    assert.ok(legacy.text!.startsWith('Café crème brûlée, naïve résumé.\n'));
    assert.equal(logo.decodedLength, 300);
    assert.deepEqual([...Buffer.from(logo.preview!, 'base64').subarray(0, 3)], [0, 37, 74]);
    assert.equal(report.text, '{\n  "type": "about:blank",\n  "title": "Stacked",\n  "status": 200,\n  "detail": "gzip then br"\n}');
    for (const body of view.bodies) assert.deepEqual(body.notes, [], body.label);
    assert.equal(view.marks.length, 1, 'the duplicate Transfer-Encoding of response 5');
  });
});

describe('buildStreamView on HTTP/2', () => {
  it('decodes each HTTP/2 stream’s DATA, h2c and h2 in TLS alike', async () => {
    for (const [file, options] of [['h2c-grpc.pcapng', {}], ['tls-h2-grpc.pcapng', { tlsKeyLogFile: sample('tls-h2-grpc.keys') }]] as const) {
      const stream = (await analyzeCaptureFile(sample(file), options)).streams.get(0)!;
      const view = await buildStreamView(sample(file), stream);
      assert.deepEqual(
        view.bodies.map((body) => [body.label, body.kind, body.mediaType]),
        [
          ['stream 1 response · 200', 'text', 'text/plain'],
          ['stream 3 request · POST /orders.v1.Orders/Get', 'binary', 'application/grpc'],
        ],
        file,
      );
      assert.equal(view.bodies[0].text, 'hello from /hello\n');
      assert.equal(view.bodies[0].wireLength, view.bodies[0].decodedLength + 9, 'one DATA frame: its 9-byte header is framing');
      // A gRPC message: compressed flag 0, length 2, then the protobuf bytes.
      assert.deepEqual([...Buffer.from(view.bodies[1].preview!, 'base64')].slice(0, 5), [0, 0, 0, 0, 2]);
    }
  });
});
