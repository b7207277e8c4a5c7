/**
 * Requests for one capture share one analysis (CaptureStore). Cancelling is per caller: one
 * editor's Cancel (or a webview reloading, which cancels its old request) must not fail another
 * caller's load of the same file, and the shared tshark stops only when nobody waits any more.
 * The capture is one only tshark reads, so there is a process to watch.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptureStore } from '../../../server/src/lsp/captureStore';
import { describeProcesses, processTable, waitUntilAny, waitUntilNone } from '../../live/processTable';
import { writeTsharkOnlyCapture, type TsharkOnlyCapture } from '../../live/tsharkOnlyCapture';

describe('CaptureStore: shared loads, cancelled per caller', function () {
  this.timeout(60_000);
  let scratch: string;
  let capture: TsharkOnlyCapture;
  /** The tshark reading the capture (capinfos, which also reads it, runs only briefly beside it). */
  const readers = () => processTable().filter((p) => p.name === 'tshark' && p.argv.includes(capture.file));

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-shared-loads-'));
    capture = writeTsharkOnlyCapture(path.join(scratch, 'slow.cap'), 12_000_000, 5);
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('one caller cancels: its wait ends as cancelled, the other gets the analysis from the same run', async () => {
    const store = new CaptureStore();
    const first = new AbortController();
    const cancelled = store.open(capture.file, { signal: first.signal });
    const kept = store.open(capture.file, { signal: new AbortController().signal });
    const [reader] = await waitUntilAny(readers, 20_000, 'tshark reading the capture');
    first.abort();
    await assert.rejects(cancelled, /was cancelled/);
    const analysis = await kept;
    assert.equal(analysis.conversations.length, capture.streams);
    assert.ok(readers().every((p) => p.pid !== reader.pid), 'the run ended by itself');
  });

  it('a webview reloading mid-load (cancel, then ask again at once) carries on with the same run', async () => {
    const store = new CaptureStore();
    const old = new AbortController();
    const cancelled = store.open(capture.file, { signal: old.signal });
    const seen = new Set<number>();
    const watch = setInterval(() => readers().forEach((p) => seen.add(p.pid)), 20);
    try {
      await waitUntilAny(readers, 20_000, 'tshark reading the capture');
      old.abort();
      const again = store.open(capture.file, { signal: new AbortController().signal });
      await assert.rejects(cancelled, /was cancelled/);
      assert.equal((await again).conversations.length, capture.streams);
    } finally {
      clearInterval(watch);
    }
    assert.equal(seen.size, 1, `tshark runs seen: ${[...seen].join(', ')}`);
  });

  it('every caller cancels: the run stops and its tshark is gone', async () => {
    const store = new CaptureStore();
    const callers = [new AbortController(), new AbortController(), new AbortController()];
    const waits = callers.map((c) => store.open(capture.file, { signal: c.signal }));
    await waitUntilAny(readers, 20_000, 'tshark reading the capture');
    callers[0].abort();
    callers[1].abort();
    assert.ok(readers().length > 0, 'a caller still waits: the run goes on');
    callers[2].abort();
    for (const wait of waits) await assert.rejects(wait, /was cancelled/);
    const { left } = await waitUntilNone(readers, 5_000);
    assert.deepEqual(describeProcesses(left), []);
  });
});
