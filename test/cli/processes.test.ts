/**
 * No tshark outlives the CLI, however it ends. SIGKILL (a CI job's timeout, the OOM killer) runs
 * no handler, and a tshark with nothing to write (a capture without TCP: the TCP pass keeps
 * nothing) would never notice its parent is gone: it would read the whole file on (7.5 s for this
 * one, measured without the reaper). The child reaper the CLI starts (tshark/processGuard.ts) must end it at once.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeProcesses, processTable, waitUntilAny, waitUntilNone } from '../live/processTable';
import { writeQuietTsharkOnlyCapture } from '../live/tsharkOnlyCapture';
import { BIN } from './runWirelens';

describe('wirelens CLI: no tshark outlives it', function () {
  this.timeout(120_000);
  let tmp: string;
  let quiet: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-cli-processes-'));
    quiet = writeQuietTsharkOnlyCapture(path.join(tmp, 'udp-only.snoop'), 600_000);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('SIGKILLed while a quiet tshark reads: that tshark is gone at once', async () => {
    const cli = spawn(process.execPath, [BIN, 'analyze', quiet], { stdio: 'ignore' });
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    const reading = () => processTable().filter((p) => p.name === 'tshark' && p.argv.includes(quiet) && p.argv.includes('tcp'));
    try {
      const during = await waitUntilAny(reading, 20_000, 'tshark reading the capture');
      await new Promise((resolve) => setTimeout(resolve, 500)); // past the reaper's first look
      cli.kill('SIGKILL');
      await exited;
      const { left, ms } = await waitUntilNone(reading, 10_000);
      console.log(`      quiet tshark: ${during.length} before, gone ${ms} ms after the CLI was killed`);
      assert.deepEqual(describeProcesses(left), []);
      assert.ok(ms < 2000, `tshark outlived the CLI by ${ms} ms`);
    } finally {
      for (const p of reading()) process.kill(p.pid, 'SIGKILL');
    }
  });
});
