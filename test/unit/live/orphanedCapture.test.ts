/**
 * A live capture whose server died: the restarted server never knew it, so when its editor closes
 * unsaved (stop with discard), the temporary directory is deleted by its shape, and nothing else is.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LiveCaptures } from '../../../server/src/lsp/liveCaptures';
import { LiveCapture } from '../../../server/src/tshark/liveCapture';

describe('live capture: the temporary file of a server that died', () => {
  let parent: string;
  const captureIn = (directory: string) => {
    fs.mkdirSync(directory);
    const file = path.join(directory, 'lo-20261126-034500.pcapng');
    fs.writeFileSync(file, 'pcapng bytes');
    fs.writeFileSync(path.join(directory, 'capture.raw'), 'raw');
    return file;
  };

  beforeEach(() => (parent = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-orphans-'))));
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('closed unsaved, its wirelens-live-* directory goes (with the pcapng, or only the raw file of a capture cut off)', async () => {
    const file = captureIn(path.join(parent, 'wirelens-live-abc123'));
    assert.equal(await LiveCapture.discardOrphan(file, parent), true);
    assert.equal(fs.existsSync(path.dirname(file)), false);
    const cutOff = captureIn(path.join(parent, 'wirelens-live-def456'));
    fs.rmSync(cutOff);
    assert.equal(await LiveCapture.discardOrphan(cutOff, parent), true);
    assert.equal(fs.existsSync(path.dirname(cutOff)), false);
  });

  it('anything that is not such a directory, directly in the temporary directory, is left alone', async () => {
    const elsewhere = captureIn(path.join(parent, 'my-captures'));
    const nested = path.join(parent, 'a');
    fs.mkdirSync(nested);
    const deeper = captureIn(path.join(nested, 'wirelens-live-xyz'));
    const missing = path.join(parent, 'wirelens-live-gone', 'lo.pcapng'); // no such directory
    for (const file of [elsewhere, deeper, missing, path.join(parent, 'wirelens-live-abc', '..', 'my-captures', 'lo-20261126-034500.pcapng')]) {
      assert.equal(await LiveCapture.discardOrphan(file, parent), false, file);
    }
    assert.ok(fs.existsSync(elsewhere) && fs.existsSync(deeper));
  });

  it('the server that never knew the capture deletes it on a discarding stop (the system temporary directory)', async () => {
    const file = captureIn(path.join(os.tmpdir(), `wirelens-live-test-${process.pid}-${Date.now()}`));
    const live = new LiveCaptures({ status: () => undefined, diagnostics: () => undefined, streamChanged: () => undefined });
    assert.equal(await live.stop({ capture: file, discard: false }), undefined);
    assert.ok(fs.existsSync(file), 'a plain stop deletes nothing');
    assert.equal(await live.stop({ capture: file, discard: true }), undefined);
    assert.equal(fs.existsSync(path.dirname(file)), false);
  });
});
