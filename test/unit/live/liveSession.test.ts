/** LiveSession on `lo` in-process: the bound on what the live analysis holds, and stopping twice. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LiveCaptureStatus } from '../../../protocol/model';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { LiveSession } from '../../../server/src/live/liveSession';
import { processesWith, requestWrong, startIncidentOrigin, waitForNoProcesses, type Origin } from '../../live/support';

describe('LiveSession', function () {
  this.timeout(60_000);
  let origin: Origin;
  let scratch: string;
  let session: LiveSession | undefined;

  beforeEach(async () => {
    origin = await startIncidentOrigin();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-session-'));
  });

  afterEach(async () => {
    await session?.discard();
    session = undefined;
    const left = await waitForNoProcesses(scratch, 10_000);
    await origin.close();
    fs.rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(left, []);
  });

  it('stops analysing past its memory bound but keeps capturing everything into the file', async () => {
    let sawStop!: () => void;
    const stoppedAnalysing = new Promise<void>((resolve) => (sawStop = resolve));
    session = await LiveSession.start({ kind: 'interface', interface: 'lo', filter: `tcp port ${origin.port}` }, {}, {
      directory: scratch,
      maxAnalysisBytes: 300, // one exchange is about 250 bytes of payload
      // Statuses keep coming (a heartbeat each second): wait for one past the bound with the later traffic in the file.
      onStatus: (status: LiveCaptureStatus) => {
        if (/Live analysis stopped after/.test(status.message ?? '') && status.bytes > 3000) sawStop();
      },
    });
    for (let i = 0; i < 6; i++) await requestWrong(origin.port);
    await stoppedAnalysing;
    assert.ok(processesWith(scratch).some((p) => /\bdumpcap\b/.test(p)), 'dumpcap still captures');
    const final = await session.stop();
    assert.equal(final.state, 'stopped');
    assert.match(final.message ?? '', /^Live analysis stopped after 0 MB of TCP payload to keep memory bounded; the capture goes on, and the saved file is analysed in full\.$/);
    assert.ok(final.findings < 6, `the live analysis stopped early (${final.findings} findings)`);
    const file = await analyzeCaptureFile(final.capture);
    assert.equal(file.findings.length, 6, 'the file has every exchange');
    assert.deepEqual(processesWith(scratch), []);
  });

  it('stops once, however often it is asked', async () => {
    session = await LiveSession.start({ kind: 'interface', interface: 'lo', filter: `tcp port ${origin.port}` }, {}, { directory: scratch });
    await requestWrong(origin.port);
    const [a, b] = await Promise.all([session.stop(), session.stop()]);
    assert.equal(a, b);
    assert.equal(a.state, 'stopped');
    assert.ok(fs.existsSync(a.capture));
  });
});
