import * as assert from 'node:assert/strict';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { findingRange } from '../../../server/src/lsp/diagnostics';
import { escapeMarkdown, hoverAt, hoverMarkdown } from '../../../server/src/lsp/hover';
import { sample, sliceRange, streamOf, UNSAFE_CHARS } from '../helpers';

describe('hover', () => {
  let incident: StreamAnalysis;
  before(async () => {
    incident = (await analyzeCaptureFile(sample('incident-wrong.pcapng'))).streams.get(0)!;
  });

  it('on the finding: names RFC 9112 §6.1, Envoy\'s 502/UPE and curl', () => {
    const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), 'http', incident);
    const range = findingRange(rendered, incident.findings[0]);
    const hover = hoverAt(rendered, incident.findings, { line: range.start.line, character: range.start.character + 5 });
    assert.ok(hover, 'a hover inside the range');
    assert.deepEqual(hover.range, range);
    const markdown = (hover.contents as { kind: string; value: string }).value;
    assert.equal((hover.contents as { kind: string }).kind, 'markdown');
    assert.ok(markdown.includes('[RFC 9112 §6.1](https://www.rfc-editor.org/rfc/rfc9112#section-6.1)'), markdown);
    assert.match(markdown, /\| Envoy \(Istio\) \| \*\*reject\*\* — [^|]*502[^|]*UPE/);
    assert.match(markdown, /\| curl \| \*\*accept\*\*/);
    assert.ok(markdown.includes('`duplicate-transfer-encoding`'));
    assert.ok(markdown.includes(`frame ${incident.findings[0].frame}`));
  });

  it('outside any finding: no hover', () => {
    const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), 'http', incident);
    const range = findingRange(rendered, incident.findings[0]);
    assert.equal(hoverAt(rendered, incident.findings, { line: range.start.line - 1, character: 0 }), null);
    assert.equal(hoverAt(rendered, incident.findings, { line: 0, character: 0 }), null);
  });

  it('hostile bytes quoted in a finding stay escaped in the markdown', () => {
    const stream = streamOf('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: <script>alert(1)</script>\x1b[2J\x00\xe2\x80\xae\r\n\r\n0\r\n\r\n');
    const rendered = renderStreamDocument('/x/evil.pcap', 'http', stream);
    const finding = stream.findings.find((f) => f.ruleId === 'duplicate-transfer-encoding');
    assert.ok(finding);
    assert.ok(sliceRange(rendered.text, findingRange(rendered, finding)).startsWith('Transfer-Encoding: <script>'));
    const markdown = hoverMarkdown(finding);
    assert.doesNotMatch(markdown, UNSAFE_CHARS);
    assert.ok(!markdown.includes('<script>'), 'HTML must not reach the markdown renderer unescaped');
    assert.ok(markdown.includes('\\<script\\>alert\\(1\\)\\</script\\>'), markdown);
  });

  it('escapeMarkdown escapes every markdown and HTML metacharacter', () => {
    assert.equal(escapeMarkdown('*a* _b_ `c` [d](e) <f> # | ~ & " \' \\'), '\\*a\\* \\_b\\_ \\`c\\` \\[d\\]\\(e\\) \\<f\\> \\# \\| \\~ \\& \\" \\\' \\\\');
    assert.equal(escapeMarkdown('plain text 42'), 'plain text 42');
  });
});
