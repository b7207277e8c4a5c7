/** ScanUpdates batches what a running scan finds; nothing is lost, nothing is sent for a scan that reported nothing. */
import * as assert from 'node:assert/strict';
import type { Finding } from '../../../protocol/model';
import { ScanUpdates } from '../../../server/src/lsp/scanUpdates';

const finding = (stream: number): Finding => ({ ruleId: 'cl-and-te', severity: 'error', message: 'x', stream, direction: 'client-to-server', offset: 0, length: 1, frame: 1 });

describe('lsp/ScanUpdates', () => {
  it('sends the row count at once, then findings in one batch at the flush', () => {
    const sent: [number, boolean, number[]][] = [];
    const updates = new ScanUpdates((u) => sent.push([u.conversations, u.rowsFinal, u.findings.map((f) => f.stream)]), 60_000);
    updates.indexed(12);
    assert.deepEqual(sent, [[12, true, []]]);
    updates.found([finding(1), finding(2)]);
    updates.found([finding(7)]);
    assert.equal(sent.length, 1, 'findings wait for the batch');
    updates.flush();
    assert.deepEqual(sent, [[12, true, []], [12, true, [1, 2, 7]]]);
    updates.flush();
    assert.deepEqual(sent[2], [12, true, []], 'a later flush sends only what is new');
  });

  it('while the index pass runs: the first count at once, later ones batched, the final count at once', async () => {
    const sent: [number, boolean][] = [];
    const updates = new ScanUpdates((u) => sent.push([u.conversations, u.rowsFinal]), 20);
    updates.indexing(5);
    assert.deepEqual(sent, [[5, false]], 'the first rows can be listed at once');
    updates.indexing(9);
    updates.indexing(14);
    assert.equal(sent.length, 1, 'later counts wait for the batch');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(sent, [[5, false], [14, false]], 'one batch with the latest count');
    updates.indexed(20);
    assert.deepEqual(sent.at(-1), [20, true]);
    updates.indexing(21);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(sent.at(-1), [20, true], 'nothing after the final count');
    assert.equal(sent.length, 3);
  });

  it('sends nothing for a load that reported nothing (a cached or small capture)', () => {
    const sent: unknown[] = [];
    new ScanUpdates(() => sent.push(1)).flush();
    assert.equal(sent.length, 0);
  });
});
