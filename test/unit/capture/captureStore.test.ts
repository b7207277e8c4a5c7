/**
 * The language server's CaptureStore: while a capture is scanned, pages of the conversation
 * table come from its index; once the scan is done, from the analysis.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CaptureStore } from '../../../server/src/lsp/captureStore';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { sample } from '../helpers';

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
    let indexedAt = 0;
    let findingsStreamed = 0;
    const analysis = store.open(file, { onIndex: () => (indexedAt = Date.now()), onFindings: (f) => (findingsStreamed += f.length) });
    const early = await store.pageBeforeDone(file, analysis, 10, 25);
    assert.ok(early, 'a page came from the index');
    assert.ok(indexedAt > 0);
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
