/**
 * The conversation table's requests through the real language server (dist/server.js over LSP):
 * rows (from the index pass on) and findings announced while the scan runs (wirelens/scanUpdate), a display filter that a
 * newer one cancels (its tshark ends), pages filtered by the kept one, exchanges, and where a
 * finding's bytes are in its stream document.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import {
  ConversationsRequest,
  DisplayFilterRequest,
  ExchangesRequest,
  FindingLocationRequest,
  LoadProgressNotification,
  OpenCaptureRequest,
  ScanUpdateNotification,
  StreamTextRequest,
  type ScanUpdateParams,
} from '../../../protocol/lspProtocol';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { STREAM_UPDATES_FROM_BYTES } from '../../../server/src/lsp/scanUpdates';
import { processTable, waitUntilAny, waitUntilNone } from '../../live/processTable';
import { sample, sliceRange } from '../helpers';
import { startServer, type RunningServer } from './languageServer';

describe('language server: the conversation table requests', function () {
  this.timeout(180_000);
  let scratch: string;
  let large: string;
  let server: RunningServer;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-table-requests-'));
    large = path.join(scratch, 'large.pcap');
    // Above the size from which the scan announces rows and findings as it goes.
    generateCapture({ file: large, targetBytes: STREAM_UPDATES_FROM_BYTES + 8_000_000, seed: 91, anomalyRate: 0.02 });
    server = await startServer();
  });

  after(() => {
    server.child.kill('SIGKILL');
    server.connection.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('announces the rows, then every finding, before openCapture answers', async () => {
    const updates: { readonly update: ScanUpdateParams; readonly afterAnswer: boolean }[] = [];
    let answered = false;
    const listener = server.connection.onNotification(ScanUpdateNotification.type, (update) => {
      if (update.capture === large) updates.push({ update, afterAnswer: answered });
    });
    const summary = await server.connection.sendRequest(OpenCaptureRequest.type, { capture: large });
    answered = true;
    listener.dispose();
    assert.ok(updates.length >= 2);
    const counts = updates.map((u) => u.update.conversations);
    assert.ok(counts.every((n, i) => i === 0 || n >= counts[i - 1]), `row counts only grow: ${counts.join(', ')}`);
    assert.ok(counts[0] > 0 && !updates[0].update.rowsFinal, 'the first rows are announced while the index pass runs');
    const final = updates.findIndex((u) => u.update.rowsFinal);
    assert.ok(final > 0 && updates.slice(final).every((u) => u.update.rowsFinal), 'then the final count, and nothing partial after it');
    assert.equal(updates[final].update.conversations, summary.conversations, 'the final count is every row the index found');
    assert.ok(updates.every((u) => !u.afterAnswer), 'all of them before the answer');
    assert.equal(updates.reduce((sum, u) => sum + u.update.findings.length, 0), summary.findings, 'every finding, once');
    assert.equal(summary.linkType, 'Ethernet');
  });

  it('a cancelled open says nothing more: no row count, finding or progress after its cancellation', async () => {
    // A copy: the server keeps finished analyses, and a kept one would answer at once.
    const fresh = path.join(scratch, 'cancelled.pcap');
    fs.copyFileSync(large, fresh);
    const source = new CancellationTokenSource();
    let rejected = false;
    const late: string[] = [];
    let firstUpdate!: () => void;
    const updated = new Promise<void>((resolve) => (firstUpdate = resolve));
    const listeners = [
      server.connection.onNotification(ScanUpdateNotification.type, (update) => {
        if (update.capture !== fresh) return;
        firstUpdate();
        if (rejected) late.push(`scanUpdate ${update.conversations} rows, ${update.findings.length} findings`);
      }),
      server.connection.onNotification(LoadProgressNotification.type, (progress) => {
        if (progress.capture === fresh && rejected) late.push(`progress ${progress.fraction}`);
      }),
    ];
    const open = server.connection.sendRequest(OpenCaptureRequest.type, { capture: fresh }, source.token);
    await updated; // the index pass has rows: the scan is about to run
    source.cancel();
    await assert.rejects(open);
    // Messages keep their order on the connection: anything after the rejection was sent after it.
    rejected = true;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // past the 250 ms batches and the 300 ms grace
    for (const listener of listeners) listener.dispose();
    assert.deepEqual(late, []);
  });

  it('a cancelled display filter request (the editor cancels it when a newer one is typed) fails and its tshark ends', async () => {
    const first = new CancellationTokenSource();
    const slow = server.connection.sendRequest(DisplayFilterRequest.type, { capture: large, expression: 'http.request.uri contains "no-such-path"' }, first.token);
    const running = () => processTable().filter((p) => p.name === 'tshark' && p.argv.includes(large) && p.argv.some((a) => a.includes('no-such-path')));
    await waitUntilAny(running, 20_000, 'tshark -Y running');
    first.cancel();
    await assert.rejects(slow);
    const { left } = await waitUntilNone(running, 10_000);
    assert.deepEqual(left, []);

    const expression = 'http.request.method == "POST"';
    const result = await server.connection.sendRequest(DisplayFilterRequest.type, { capture: large, expression });
    assert.ok(result.matchedStreams! > 0 && result.error === undefined);
    const page = await server.connection.sendRequest(ConversationsRequest.type, {
      capture: large,
      start: 0,
      count: 100_000,
      query: { displayFilter: expression, sort: { column: 'stream', descending: true } },
    });
    assert.equal(page.total, result.matchedStreams);
    assert.ok(page.rows.every((row, i) => i === 0 || row.stream < page.rows[i - 1].stream));
    assert.ok(page.rows.every((row) => row.exchanges.some((e) => e.method === 'POST')));
    assert.ok(page.unfiltered! > page.total);
  });

  it('an invalid display filter answers with tshark\'s message, not a failure', async () => {
    const result = await server.connection.sendRequest(DisplayFilterRequest.type, { capture: large, expression: 'tcp.port ==' });
    assert.match(result.error ?? '', /Unexpected end of filter expression/);
  });

  it('the exchanges of a stream and the place of a finding in its stream document', async () => {
    const capture = sample('incident-wrong.pcapng');
    const [exchange] = await server.connection.sendRequest(ExchangesRequest.type, { capture, stream: 0 });
    assert.equal(`${exchange.method} ${exchange.target} ${exchange.status}`, 'POST /wrong 200');
    const location = await server.connection.sendRequest(FindingLocationRequest.type, {
      capture,
      finding: { stream: 0, direction: 'server-to-client', offset: 77, length: 26 },
    });
    const text = await server.connection.sendRequest(StreamTextRequest.type, { uri: location.uri });
    assert.equal(sliceRange(text, location.range), 'transfer-encoding: chunked');
    await assert.rejects(server.connection.sendRequest(ExchangesRequest.type, { capture, stream: 9 }), /has no TCP stream 9/);
  });
});
