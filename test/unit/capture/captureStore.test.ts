/**
 * The language server's CaptureStore: while a capture is scanned, pages of the conversation
 * table come from its index; once the scan is done, from the analysis.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { ConversationsResult } from '../../../protocol/lspProtocol';
import type { CaptureAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { CaptureStore } from '../../../server/src/lsp/captureStore';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { sample } from '../helpers';
import { greFrames, pcapBytes } from './fixtures';

describe('lsp/CaptureStore: conversation pages before the scan ends', function () {
  this.timeout(60_000);
  let tmp: string;
  let file: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-store-'));
    file = path.join(tmp, 'generated.pcap');
    generateCapture({ file, targetBytes: 4_000_000, seed: 21, anomalyRate: 0.05 });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('answers from the index while the scan runs, then from the analysis', async () => {
    const store = new CaptureStore();
    let findingsStreamed = 0;
    let indexed!: () => void;
    const indexBuilt = new Promise<void>((resolve) => (indexed = resolve));
    const analysis = store.open(file, { onIndex: () => indexed(), onFindings: (f) => (findingsStreamed += f.length) });
    await indexBuilt;
    const early = await store.pageBeforeDone(file, analysis, 10, 25);
    assert.ok(early, 'a page came from the index');
    assert.equal(early.start, 10);
    assert.equal(early.rows.length, 25);
    assert.equal(early.rows[0].stream, 10);
    const done = await analysis;
    assert.equal(early.total, done.conversations.length);
    for (const row of early.rows) {
      const final = done.conversations[row.stream];
      assert.deepEqual({ client: row.client, server: row.server, packets: row.packets, bytes: row.bytes, start: row.start }, { client: final.client, server: final.server, packets: final.packets, bytes: final.bytes, start: final.start });
      assert.equal(row.protocol, final.protocol);
    }
    assert.equal(findingsStreamed, done.findings.length, 'findings reached onFindings as they were found');
    assert.equal(await store.pageBeforeDone(file, analysis, 0, 10), undefined, 'after the scan the analysis answers');
    assert.equal(await store.open(file, {}), done, 'the analysis is cached');
  });

  it('lists the conversations the index pass has found so far; a sorted page waits for the whole index', async () => {
    const store = new CaptureStore();
    let pages: Promise<[partial: number, plain: ConversationsResult | undefined, sorted: ConversationsResult | undefined]> | undefined;
    // Asked from inside the pass's first report (after its first 2 MiB read of 4 MB), so the pass is surely not over.
    const analysis: Promise<CaptureAnalysis> = store.open(file, {
      onConversations: (found) => {
        pages ??= Promise.all([
          found.length,
          store.pageBeforeDone(file, analysis, 0, 1000),
          store.pageBeforeDone(file, analysis, 0, 5, { sort: { column: 'packets', descending: true } }),
        ]);
      },
    });
    const done = await analysis;
    assert.ok(pages, 'the pass reported conversations before it ended');
    const [partial, plain, sorted] = await pages;
    assert.ok(plain && sorted);
    assert.ok(partial > 0 && partial < done.conversations.length, `${partial} of ${done.conversations.length} conversations found after the first read`);
    assert.equal(plain.total, partial, 'the plain page lists what was found then');
    assert.deepEqual(plain.rows.map((row) => row.stream), [...Array(partial).keys()], 'in stream order, from stream 0');
    for (const row of plain.rows) {
      const final = done.conversations[row.stream];
      assert.deepEqual({ client: row.client, server: row.server, start: row.start }, { client: final.client, server: final.server, start: final.start });
      assert.ok(row.packets <= final.packets);
    }
    assert.equal(sorted.total, done.conversations.length, 'the sorted page waited for every conversation');
    assert.equal(sorted.rows[0].packets, Math.max(...done.conversations.map((c) => c.packets)));
  });

  it('when the index pass gives up mid-file (TCP in GRE), pages stop coming from what it had found', async () => {
    // The generated capture, then a GRE-carried connection past its first 2 MiB read.
    const mixed = path.join(tmp, 'gre-at-the-end.pcap');
    fs.writeFileSync(mixed, Buffer.concat([fs.readFileSync(file), pcapBytes(1, greFrames()).subarray(24)]));
    const store = new CaptureStore();
    let early: Promise<ConversationsResult | undefined> | undefined;
    let afterGivingUp: Promise<ConversationsResult | undefined> | undefined;
    const analysis: Promise<CaptureAnalysis> = store.open(mixed, {
      onConversations: () => (early ??= store.pageBeforeDone(mixed, analysis, 0, 10)),
      onIndexAbandoned: () => (afterGivingUp = store.pageBeforeDone(mixed, analysis, 0, 10)),
    });
    const done = await analysis;
    assert.equal(done.index, undefined, 'tshark read the file');
    assert.equal((await early)?.rows.length, 10, 'rows came from the index pass before it gave up');
    assert.ok(afterGivingUp, 'the pass said it gave up');
    assert.equal(await afterGivingUp, undefined, 'after that, the analysis answers (not the abandoned rows)');
    assert.ok(done.conversations.some((row) => row.server.address === '10.0.0.2'), 'the GRE-carried connection is there');
  });

  it('a capture tshark reads (not pcap/pcapng): no early page, the analysis answers', async () => {
    const store = new CaptureStore();
    const gzipped = path.join(tmp, 'incident.pcapng.gz');
    // tshark reads gzip-compressed captures; the direct reader does not.
    fs.writeFileSync(gzipped, zlib.gzipSync(fs.readFileSync(sample('incident-wrong.pcapng'))));
    const analysis = store.open(gzipped, {});
    assert.equal(await store.pageBeforeDone(gzipped, analysis, 0, 10), undefined);
    assert.equal((await analysis).conversations.length, 1);
  });
});
