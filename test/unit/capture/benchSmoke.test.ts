/**
 * The benchmark's code (scripts/bench/*) on a small generated capture, so `npm test` keeps it
 * working: generation with a manifest, the measured session, the CLI and tshark runs under
 * /usr/bin/time, the planted-anomaly checks, and the report. `npm run bench` runs the same code
 * on 100 MB and 1 GB.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { followStreamsOf, formatReport, runBench } from '../../../scripts/bench/runBench';
import { measureSession } from '../../../scripts/bench/session';
import { REPO_ROOT } from '../helpers';

describe('benchmark (smoke, small capture)', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-bench-'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('measures Wirelens and tshark on a generated capture and prints the table with ratios', async () => {
    const lines: string[] = [];
    const report = await runBench({
      dir,
      captures: [
        { label: '1 MB', targetBytes: 1_000_000, seed: 3, anomalyRate: 0.05 },
        { label: '2 MB', targetBytes: 2_000_000, seed: 4, anomalyRate: 0.05 },
      ],
      tshark: true,
      repeats: 1,
      session: (file, streams) => measureSession(file, streams),
      cli: path.join(REPO_ROOT, 'bin', 'wirelens'),
      log: (line) => lines.push(line),
    });
    assert.equal(report.captures.length, 2);
    for (const c of report.captures) {
      assert.ok(c.manifest.anomalies.length >= 1, `${c.label}: anomalies were planted`);
      assert.equal(c.plantedFound, c.manifest.anomalies.length, `${c.label}: every planted anomaly found`);
      assert.equal(c.unplantedFindings, 0);
      assert.equal(c.session.streams, c.manifest.streams);
      assert.equal(c.session.follows.length, followStreamsOf(c.manifest).length);
      assert.ok(c.session.maxRssKiB > 0);
      assert.equal(c.cli.conversations.exitCode, 0);
      assert.ok(c.cli.follow.every((run) => run.exitCode === 0));
      assert.ok(c.cli.analyze.exitCode === 0 || c.cli.analyze.exitCode === 1);
      assert.ok(c.tshark && c.tshark.conversations.exitCode === 0 && c.tshark.follow.exitCode === 0 && c.tshark.httpPass.exitCode === 0);
      assert.ok(c.tshark.conversations.maxRssKiB > 0);
      assert.equal(c.tshark.plantedVisible, c.manifest.anomalies.length, 'tshark\'s header fields show what was planted');
    }
    const table = formatReport(report);
    assert.match(table, /^\| capture \| task \| Wirelens \| tshark 4\.0 \| tshark ÷ Wirelens \|$/m);
    assert.match(table, /\| conversation list \(server: index \+ first page\) \| [\d.]+ s \| [\d.]+ s \| [\d.]+× \|/);
    assert.match(table, /full scan.*\| [\d.]+ s; \d+\/\d+ \|/);
    assert.match(table, /Cost against size \(2 MB ÷ 1 MB/);
    assert.match(table, /\| server memory \| ≤ 150 MiB per GB \|/);
    assert.match(table, /^Machine: .*\d+ cores/m);
    assert.ok(fs.existsSync(path.join(dir, 'http-1MB.pcap.manifest.json')));
    assert.ok(lines.some((l) => /reusing|generating/.test(l)));
    if (process.env.WIRELENS_BENCH_SMOKE_PRINT) process.stdout.write(table);

    // A second run reuses the captures (same generator version, seed, size).
    const again: string[] = [];
    await runBench({ dir, captures: [{ label: '1 MB', targetBytes: 1_000_000, seed: 3, anomalyRate: 0.05 }], tshark: false, repeats: 1, session: (f, s) => measureSession(f, s), cli: path.join(REPO_ROOT, 'bin', 'wirelens'), log: (l) => again.push(l) });
    assert.ok(again.some((l) => /reusing/.test(l)));
  });
});
