import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { findingRange, toDiagnostics } from '../../../server/src/lsp/diagnostics';
import { sample, sliceRange, streamOf } from '../helpers';

const URI = 'wirelens-stream:/stream-0.http?capture=%2Fx';

async function streamZero(file: string): Promise<StreamAnalysis> {
  const analysis = await analyzeCaptureFile(sample(file));
  const stream = analysis.streams.get(0);
  assert.ok(stream, `${file} has stream 0`);
  return stream;
}

describe('toDiagnostics', () => {
  let incident: StreamAnalysis;
  before(async () => {
    incident = await streamZero('incident-wrong.pcapng');
  });

  for (const mode of ['http', 'tcp'] as const) {
    it(`incident-wrong (${mode} document): the range covers exactly "transfer-encoding: chunked"`, () => {
      const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), mode, incident);
      const diagnostics = toDiagnostics(URI, rendered, incident.findings);
      assert.equal(diagnostics.length, 1);
      const [d] = diagnostics;
      assert.equal(sliceRange(rendered.text, d.range), 'transfer-encoding: chunked');
      assert.equal(d.range.start.line, d.range.end.line);
      assert.equal(d.severity, DiagnosticSeverity.Error);
      assert.equal(d.source, 'wirelens');
      assert.equal(d.code, 'duplicate-transfer-encoding');
      assert.equal(d.codeDescription?.href, 'https://www.rfc-editor.org/rfc/rfc9112#section-6.1');
      assert.equal(d.message, incident.findings[0].message);
      assert.equal(d.relatedInformation?.length, 1);
      const [related] = d.relatedInformation!;
      assert.equal(related.location.uri, URI);
      assert.equal(sliceRange(rendered.text, related.location.range), 'Transfer-Encoding: Chunked');
    });
  }

  it('cl-and-te sample: the range covers exactly the Content-Length line', async () => {
    const stream = await streamZero('cl-and-te.pcapng');
    const rendered = renderStreamDocument(sample('cl-and-te.pcapng'), 'http', stream);
    const diagnostics = toDiagnostics(URI, rendered, stream.findings);
    assert.deepEqual(diagnostics.map((d) => [d.code, sliceRange(rendered.text, d.range)]), [['cl-and-te', 'Content-Length: 33']]);
    assert.equal(sliceRange(rendered.text, diagnostics[0].relatedInformation![0].location.range), 'Transfer-Encoding: chunked');
  });

  it('incident-correct: no diagnostics', async () => {
    const stream = await streamZero('incident-correct.pcapng');
    assert.deepEqual(toDiagnostics(URI, renderStreamDocument(sample('incident-correct.pcapng'), 'http', stream), stream.findings), []);
  });

  it('a folded field: the range spans its lines', () => {
    const stream = streamOf('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n');
    const rendered = renderStreamDocument('/x/fold.pcap', 'http', stream);
    const d = toDiagnostics(URI, rendered, stream.findings).find((diagnostic) => diagnostic.code === 'duplicate-transfer-encoding')!;
    assert.equal(sliceRange(rendered.text, d.range), 'Transfer-Encoding:\n chunked');
  });

  it('escaped bytes widen the text: the range still covers the escaped line exactly', () => {
    const stream = streamOf('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nX: \x00\x1b\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: \xe2\x80\xaechunked\r\n\r\n0\r\n\r\n');
    const rendered = renderStreamDocument('/x/esc.pcap', 'http', stream);
    const d = toDiagnostics(URI, rendered, stream.findings).find((diagnostic) => diagnostic.code === 'duplicate-transfer-encoding')!;
    assert.equal(sliceRange(rendered.text, d.range), 'Transfer-Encoding: \\xe2\\x80\\xaechunked');
  });

  it('findingRange ends where the finding ends (offset + length)', () => {
    const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), 'http', incident);
    const whole = findingRange(rendered, { direction: 'server-to-client', offset: 0, length: 15 });
    assert.equal(sliceRange(rendered.text, whole), 'HTTP/1.1 200 OK');
  });
});
