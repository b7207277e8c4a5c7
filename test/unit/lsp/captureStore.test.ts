/**
 * The CaptureStore's table pages with a query: sorted and filtered over every row, sliced into
 * pages that join up; a display filter run once and reused by later pages; queries while the scan
 * runs answered from the index; exchanges of one stream before the scan ends; header facts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConversationQuery } from '../../../protocol/model';
import { exchangeDetails } from '../../../server/src/analysis/exchangeDetails';
import { CaptureStore } from '../../../server/src/lsp/captureStore';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { sample } from '../helpers';

describe('lsp/CaptureStore: sorted, filtered pages', function () {
  this.timeout(120_000);
  let tmp: string;
  let file: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-pages-'));
    file = path.join(tmp, 'generated.pcap');
    generateCapture({ file, targetBytes: 3_000_000, seed: 80, anomalyRate: 0.05 });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('pages of a sort join up into the whole sorted table', async () => {
    const store = new CaptureStore();
    const analysis = await store.open(file, {});
    const query: ConversationQuery = { sort: { column: 'bytes', descending: true } };
    const pages = [];
    for (let start = 0; start < analysis.conversations.length; start += 37) pages.push(await store.page(file, analysis, start, 37, query));
    const joined = pages.flatMap((page) => page.rows);
    assert.equal(joined.length, analysis.conversations.length);
    for (let i = 1; i < joined.length; i++) assert.ok(joined[i - 1].bytes >= joined[i].bytes);
    assert.ok(pages.every((page) => page.total === analysis.conversations.length && page.unfiltered === analysis.conversations.length));
  });

  it('a text filter counts what it keeps and what there is', async () => {
    const store = new CaptureStore();
    const analysis = await store.open(file, {});
    const page = await store.page(file, analysis, 0, 1000, { text: 'cl-and-te' });
    const expected = new Set(analysis.findings.filter((f) => f.ruleId === 'cl-and-te').map((f) => f.stream));
    assert.ok(expected.size > 0);
    assert.equal(page.total, expected.size);
    assert.equal(page.unfiltered, analysis.conversations.length);
    assert.deepEqual(page.rows.map((r) => r.stream), [...expected].sort((a, b) => a - b));
  });

  it('a display filter runs once; pages with it reuse its streams; a bad one keeps no rows', async () => {
    const store = new CaptureStore();
    const analysis = await store.open(file, {});
    const expression = 'http.request.method == "POST"';
    const outcome = await store.displayFilter(file, expression);
    assert.ok('streams' in outcome);
    assert.equal(await store.displayFilter(file, expression), outcome, 'the same run answers again');
    const page = await store.page(file, analysis, 0, 10_000, { displayFilter: expression, sort: { column: 'stream', descending: true } });
    assert.deepEqual(page.rows.map((r) => r.stream), [...outcome.streams].sort((a, b) => b - a));
    assert.ok(page.rows.every((row) => row.exchanges.some((e) => e.method === 'POST')));
    const bad = await store.page(file, analysis, 0, 10, { displayFilter: 'http.request.method ==' });
    assert.equal(bad.total, 0);
  });

  it('while the scan runs, a sorted page comes from the index', async () => {
    const store = new CaptureStore();
    const analysis = store.open(file, {});
    const early = await store.pageBeforeDone(file, analysis, 0, 50, { sort: { column: 'packets', descending: true } });
    assert.ok(early, 'answered before the scan ended');
    for (let i = 1; i < early.rows.length; i++) assert.ok(early.rows[i - 1].packets >= early.rows[i].packets);
    const done = await analysis;
    const final = await store.page(file, done, 0, 50, { sort: { column: 'packets', descending: true } });
    assert.deepEqual(early.rows.map((r) => r.packets), final.rows.map((r) => r.packets));
  });

  it('exchanges of a stream are there before the scan ends, the same as after', async () => {
    const store = new CaptureStore();
    const analysis = store.open(file, {});
    await store.pageBeforeDone(file, analysis, 0, 1);
    const early = await store.stream(file, analysis, 3);
    assert.ok(early);
    const done = await analysis;
    const after = await store.stream(file, Promise.resolve(done), 3);
    assert.deepEqual(exchangeDetails(early), exchangeDetails(after!));
    assert.ok(exchangeDetails(early).length > 0);
  });

  it('the summary carries link type and time span for the header', async () => {
    const { summary } = await new CaptureStore().open(sample('incident-wrong.pcapng'), {});
    assert.equal(summary.linkType, 'Ethernet');
    assert.ok(summary.firstTime! > 1e9 && summary.lastTime! >= summary.firstTime!);
  });
});
