/** ScanUpdates batches what a running scan finds; nothing is lost, nothing is sent for a scan that reported nothing. */
import * as assert from 'node:assert/strict';
import type { Finding } from '../../../protocol/model';
import { ScanUpdates } from '../../../server/src/lsp/scanUpdates';

const finding = (stream: number): Finding => ({ ruleId: 'cl-and-te', severity: 'error', message: 'x', stream, direction: 'client-to-server', offset: 0, length: 1, frame: 1 });

describe('lsp/ScanUpdates', () => {
  it('sends the row count at once, then findings in one batch at the flush', () => {
    const sent: [number, number[]][] = [];
    const updates = new ScanUpdates((conversations, findings) => sent.push([conversations, findings.map((f) => f.stream)]), 60_000);
    updates.indexed(12);
    assert.deepEqual(sent, [[12, []]]);
    updates.found([finding(1), finding(2)]);
    updates.found([finding(7)]);
    assert.equal(sent.length, 1, 'findings wait for the batch');
    updates.flush();
    assert.deepEqual(sent, [[12, []], [12, [1, 2, 7]]]);
    updates.flush();
    assert.deepEqual(sent[2], [12, []], 'a later flush sends only what is new');
  });

  it('sends nothing for a load that reported nothing (a cached or small capture)', () => {
    const sent: unknown[] = [];
    new ScanUpdates(() => sent.push(1)).flush();
    assert.equal(sent.length, 0);
  });
});
