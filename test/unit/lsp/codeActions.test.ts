import * as assert from 'node:assert/strict';
import { CodeActionKind } from 'vscode-languageserver';
import { ServerCommands } from '../../../protocol/lspProtocol';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { codeActions } from '../../../server/src/lsp/codeActions';
import { toDiagnostics } from '../../../server/src/lsp/diagnostics';
import { sample } from '../helpers';

const capture = sample('incident-wrong.pcapng');
const URI = 'wirelens-stream:/x/stream-0.http';

describe('codeActions', () => {
  let stream: StreamAnalysis;
  before(async () => {
    stream = (await analyzeCaptureFile(capture)).streams.get(0)!;
  });

  it('on the diagnostic: Show rule documentation (a quick fix naming the rule) and Copy as curl for its exchange', () => {
    const rendered = renderStreamDocument(capture, 'http', stream);
    const [diagnostic] = toDiagnostics(URI, rendered, stream.findings);
    const actions = codeActions({ capture, stream: 0, mode: 'http' }, rendered.outline, diagnostic.range, [diagnostic]);
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.command?.command, a.command?.arguments]),
      [
        ['Show rule documentation: Transfer-Encoding sent more than once (duplicate-transfer-encoding)', CodeActionKind.QuickFix, ServerCommands.showRuleDocumentation, ['duplicate-transfer-encoding']],
        ['Copy as curl: POST /wrong', undefined, ServerCommands.copyAsCurl, [{ capture, stream: 0, exchange: 0 }]],
      ],
    );
    assert.deepEqual(actions[0].diagnostics, [diagnostic]);
  });

  it('anywhere in an exchange without a diagnostic: only Copy as curl; above the first exchange: nothing', () => {
    const rendered = renderStreamDocument(capture, 'http', stream);
    const lines = rendered.text.split('\n');
    const requestLine = lines.indexOf('POST /wrong HTTP/1.1');
    const at = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 0 } });
    assert.deepEqual(codeActions({ capture, stream: 0, mode: 'http' }, rendered.outline, at(requestLine), []).map((a) => a.title), ['Copy as curl: POST /wrong']);
    assert.deepEqual(codeActions({ capture, stream: 0, mode: 'http' }, rendered.outline, at(0), []), []);
  });

  it('diagnostics of other sources, or of no known rule, get no documentation action', () => {
    const rendered = renderStreamDocument(capture, 'http', stream);
    const [diagnostic] = toDiagnostics(URI, rendered, stream.findings);
    const foreign = [{ ...diagnostic, source: 'eslint' }, { ...diagnostic, code: 'no-such-rule' }];
    const actions = codeActions({ capture, stream: 0, mode: 'tcp' }, renderStreamDocument(capture, 'tcp', stream).outline, diagnostic.range, foreign);
    assert.deepEqual(actions, [], 'TCP documents have no exchanges to copy either');
  });

  it('HTTP/2: Copy as curl on a stream names it by the table\'s exchange number (after the HTTP/1.x ones)', async () => {
    const h2 = sample('h2c-grpc.pcapng');
    const analysed = (await analyzeCaptureFile(h2)).streams.get(0)!;
    const rendered = renderStreamDocument(h2, 'http', analysed);
    const line = rendered.text.split('\n').indexOf(':path: /orders.v1.Orders/Get');
    const actions = codeActions({ capture: h2, stream: 0, mode: 'http' }, rendered.outline, { start: { line, character: 0 }, end: { line, character: 0 } }, []);
    assert.deepEqual(actions.map((a) => [a.title, a.command?.arguments]), [['Copy as curl: POST /orders.v1.Orders/Get', [{ capture: h2, stream: 0, exchange: 1 }]]]);
  });
});
