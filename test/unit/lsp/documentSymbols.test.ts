import * as assert from 'node:assert/strict';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { documentSymbols } from '../../../server/src/lsp/documentSymbols';
import { sample, sliceRange, streamOf } from '../helpers';

function lineOf(text: string, line: number): string {
  return text.split('\n')[line];
}

/** Every child inside its parent, every selection range inside its range. */
function assertNested(symbols: readonly DocumentSymbol[], parent?: DocumentSymbol): void {
  const before = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  for (const symbol of symbols) {
    assert.ok(symbol.name.length > 0, 'symbol names are never empty (VS Code rejects them)');
    assert.ok(before(symbol.range.start, symbol.selectionRange.start) && before(symbol.selectionRange.end, symbol.range.end), `${symbol.name}: selection inside range`);
    if (parent) assert.ok(before(parent.range.start, symbol.range.start) && before(symbol.range.end, parent.range.end), `${symbol.name} inside ${parent.name}`);
    assertNested(symbol.children ?? [], symbol);
  }
}

describe('documentSymbols', () => {
  it('the incident: one exchange named by its request line, status as detail, request/response with headers and body', async () => {
    const analysis = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), 'http', analysis.streams.get(0)!);
    const symbols = documentSymbols(rendered.text, rendered.outline);
    assert.equal(symbols.length, 1);
    const [exchange] = symbols;
    assert.equal(exchange.name, 'POST /wrong');
    assert.equal(exchange.detail, '200 OK');
    assert.equal(exchange.kind, SymbolKind.Event);
    assert.deepEqual(exchange.children?.map((c) => [c.name, c.detail]), [['request 1', 'bytes 0–165'], ['response 1', '200 OK']]);
    const [request, response] = exchange.children!;
    assert.deepEqual(request.children?.map((c) => [c.name, c.detail]), [['headers', '5 fields'], ['body', '28 bytes']]);
    assert.deepEqual(response.children?.map((c) => [c.name, c.detail]), [['headers', '3 fields'], ['body', '48 bytes, chunked']]);
    // The ranges cover what they name.
    assert.ok(lineOf(rendered.text, exchange.range.start.line).startsWith('▶ request 1'));
    assert.match(sliceRange(rendered.text, response.children![0].range), /^Content-Type: application\/json\nTransfer-Encoding: Chunked\ntransfer-encoding: chunked$/);
    assert.equal(sliceRange(rendered.text, request.children![1].range), '{"order":42,"item":"widget"}');
    // The response ends with the empty line its last CRLF makes, after the last-chunk line.
    assert.deepEqual([lineOf(rendered.text, response.range.end.line - 1), lineOf(rendered.text, response.range.end.line)], ['0', '']);
    assertNested(symbols);
  });

  it('pipelined exchanges, a missing response and a hostile target: names escaped, ranges in order', () => {
    const stream = streamOf('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /\x1b[31m\xe2\x80\xae HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n');
    const rendered = renderStreamDocument('/x/p.pcap', 'http', stream);
    const symbols = documentSymbols(rendered.text, rendered.outline);
    assert.deepEqual(symbols.map((s) => [s.name, s.detail]), [['GET /a', '204 No Content'], ['GET /\\x1b[31m\\xe2\\x80\\xae', 'no response']]);
    assert.ok(symbols[0].range.end.line < symbols[1].range.start.line);
    assertNested(symbols);
  });

  it('HTTP/2: each stream is an exchange with its request and response blocks', async () => {
    const analysis = await analyzeCaptureFile(sample('h2c-grpc.pcapng'));
    const rendered = renderStreamDocument(sample('h2c-grpc.pcapng'), 'http', analysis.streams.get(0)!);
    const symbols = documentSymbols(rendered.text, rendered.outline);
    assert.deepEqual(symbols.filter((s) => s.kind === SymbolKind.Event).map((s) => s.name), ['GET /hello', 'POST /orders.v1.Orders/Get']);
    assert.deepEqual(symbols.filter((s) => s.kind !== SymbolKind.Event).map((s) => [s.name, s.detail]), [
      ['GOAWAY NO_ERROR (0x0)', 'from the client'],
      ['GOAWAY NO_ERROR (0x0)', 'from the client'],
      ['GOAWAY NO_ERROR (0x0)', 'from the server'],
      ['GOAWAY NO_ERROR (0x0)', 'from the server'],
    ]);
    assert.match(symbols[0].detail ?? '', /^200 · stream 1/);
    assert.deepEqual(symbols[1].children?.map((c) => c.name), ['request', 'response']);
    assert.deepEqual(symbols[1].children![0].children?.map((c) => c.name), ['request headers', 'DATA']);
    assertNested(symbols);
  });

  it('TCP mode: one symbol per run of payload from one side', async () => {
    const analysis = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), 'tcp', analysis.streams.get(0)!);
    const symbols = documentSymbols(rendered.text, rendered.outline);
    assert.deepEqual(symbols.map((s) => [s.name, s.detail]), [['client → server', 'frame 4'], ['server → client', 'frame 6']]);
    assert.deepEqual([lineOf(rendered.text, symbols[1].range.end.line - 1), lineOf(rendered.text, symbols[1].range.end.line)], ['0', '']);
    assert.equal(lineOf(rendered.text, symbols[0].range.end.line), '{"order":42,"item":"widget"}');
    assertNested(symbols);
  });
});
