/**
 * `wirelens capture` for real: dumpcap and tshark on `lo`, an origin on 127.0.0.1 answering like
 * the incident's /wrong endpoint, a client requesting it over and over. Each capture runs with
 * its own TMPDIR, whose path is in the argv of every process the capture starts, so counting
 * processes by that marker proves none is left behind.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding } from '../../protocol/model';
import { assertWithinOneSecond, CLI, median, processesWith, requestRepeatedly, runCli, startIncidentOrigin, waitForNoProcesses, type Origin, type RunningCli } from '../live/support';

interface FindingEvent {
  event: 'finding';
  finding: Finding;
  packetTime: number;
  foundAt: number;
  latencyMs: number;
}

const LIVE_FINDINGS = 5;

/** The findings `wirelens analyze` reports for a saved capture. */
function analyzeFile(file: string): Finding[] {
  try {
    execFileSync(process.execPath, [CLI, 'analyze', file, '--format', 'json'], { encoding: 'utf8' });
    return [];
  } catch (error) {
    const { status, stdout } = error as { status: number; stdout: string };
    assert.equal(status, 1, 'analyze exits 1 when there are findings');
    return (JSON.parse(stdout) as { findings: Finding[] }).findings;
  }
}

const essentials = (f: Finding) => `${f.ruleId} stream ${f.stream} ${f.direction}+${f.offset}/${f.length} frame ${f.frame}: ${f.message}`;

describe('wirelens capture', function () {
  this.timeout(60_000);
  let origin: Origin;
  let scratch: string;
  const started: RunningCli[] = [];
  const cli = (args: string[], prefix: string[] = []) => {
    const running = runCli(args, { TMPDIR: scratch }, prefix);
    started.push(running);
    return running;
  };

  beforeEach(async () => {
    origin = await startIncidentOrigin();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-capture-test-'));
  });

  afterEach(async () => {
    // A failed test must not leave its capture running: killing the CLI makes its guard end the rest.
    for (const running of started.splice(0)) if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    const left = await waitForNoProcesses(scratch, 10_000);
    await origin.close();
    fs.rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(left, [], 'no capture process outlives its test');
  });

  /** Waits for `count` finding events while the client requests /wrong; prints the latencies. */
  async function liveFindings(cli: RunningCli, count: number, what: string): Promise<FindingEvent[]> {
    await cli.line((text) => text.includes('"event":"started"'), 20_000);
    const client = requestRepeatedly(origin.port, 150);
    try {
      await cli.line(() => cli.lines.filter((l) => l.text.includes('"event":"finding"')).length >= count, 30_000);
    } finally {
      await client.stop();
    }
    const events = cli.lines.filter((l) => l.text.includes('"event":"finding"')).map((l) => ({ ...(JSON.parse(l.text) as FindingEvent), seenAt: l.at }));
    // Latency as the reader of the output sees it: line received − capture time of the packet that completed the message.
    const latencies = events.map((e) => e.seenAt - e.packetTime * 1000);
    console.log(
      `      ${what}: packet → finding on stdout over ${latencies.length} live findings: median ${median(latencies).toFixed(0)} ms, ` +
        `worst ${Math.max(...latencies).toFixed(0)} ms (server-side median ${median(events.map((e) => e.latencyMs)).toFixed(0)} ms)`,
    );
    assertWithinOneSecond(latencies);
    return events;
  }

  it('reports the duplicate Transfer-Encoding live on lo, saves pcapng with the same findings, leaves no process', async () => {
    const file = path.join(scratch, 'live.pcapng');
    const capture = cli(['capture', '--interface', 'lo', '--filter', `tcp port ${origin.port}`, '--write', file, '--format', 'json']);
    const events = await liveFindings(capture, LIVE_FINDINGS, 'lo');
    for (const { finding } of events) assert.equal(finding.ruleId, 'duplicate-transfer-encoding');
    const running = processesWith(scratch);
    assert.ok(running.some((p) => /\bdumpcap\b/.test(p)) && running.some((p) => /\btshark\b/.test(p)), `dumpcap and tshark run while capturing:\n${running.join('\n')}`);

    capture.child.kill('SIGINT');
    const { code } = await capture.exit;
    assert.equal(code, 1, `exit 1 (findings); stderr: ${capture.stderr()}`);
    assert.deepEqual(processesWith(scratch), [], 'no capture process is left once the command has ended');
    const stopped = JSON.parse(capture.lines.find((l) => l.text.includes('"event":"stopped"'))!.text) as { summary: { findings: number; file: string }; statistics: { dropped: number } };
    assert.equal(stopped.summary.file, file);
    assert.equal(stopped.statistics.dropped, 0);
    assert.equal(fs.readFileSync(file).readUInt32LE(0), 0x0a0d0d0a, 'the saved file is pcapng');

    // The reopened file says what the live view said: every live finding is in it, at the same bytes and frame.
    const fromFile = analyzeFile(file).map(essentials);
    assert.equal(stopped.summary.findings, fromFile.length);
    for (const { finding } of events) assert.ok(fromFile.includes(essentials(finding)), `live finding not in the saved file: ${essentials(finding)}`);
  });

  it('reads a pipe source (dumpcap -i lo -P -w -, pcap) the same way and saves it as pcapng', async () => {
    const file = path.join(scratch, 'pipe.pcapng');
    const command = ['dumpcap', '-i', 'lo', '-f', `tcp port ${origin.port}`, '-P', '-q', '-w', '-'];
    const capture = cli(['capture', '--command', '--write', file, '--format', 'json', '--', ...command]);
    const events = await liveFindings(capture, 3, 'pipe source');
    const marker = `tcp port ${origin.port}`;
    assert.ok(processesWith(marker).some((p) => /\bdumpcap\b/.test(p)), 'the pipe command runs');

    capture.child.kill('SIGINT');
    assert.equal((await capture.exit).code, 1, capture.stderr());
    assert.deepEqual(processesWith(scratch), []);
    assert.deepEqual(processesWith(marker), [], 'the pipe command has ended too');
    assert.equal(fs.readFileSync(file).readUInt32LE(0), 0x0a0d0d0a, 'a pcap stream is saved as pcapng');
    const fromFile = analyzeFile(file).map(essentials);
    for (const { finding } of events) assert.ok(fromFile.includes(essentials(finding)), `live finding not in the saved file: ${essentials(finding)}`);
  });

  it('leaves no capture process behind when it is killed (the guard ends the source)', async () => {
    const capture = cli(['capture', '--interface', 'lo', '--filter', `tcp port ${origin.port}`, '--format', 'json']);
    await capture.line((text) => text.includes('"event":"started"'), 20_000);
    assert.ok(processesWith(scratch).length >= 3, 'guard, dumpcap and tshark are running');
    capture.child.kill('SIGKILL');
    await capture.exit;
    assert.deepEqual(await waitForNoProcesses(scratch, 5000), [], 'every process of the capture ended after its parent was killed');
  });

  it('stops by itself at --duration', async () => {
    const started = Date.now();
    const capture = cli(['capture', '--interface', 'lo', '--filter', `tcp port ${origin.port}`, '--duration', '1', '--format', 'json']);
    const { code } = await capture.exit;
    assert.equal(code, 0, capture.stderr());
    assert.ok(Date.now() - started < 15_000);
    assert.ok(capture.lines.some((l) => l.text.includes('"event":"stopped"')));
    assert.deepEqual(processesWith(scratch), []);
  });

  it('explains a missing capture permission with the fix, at once (exit 2)', async () => {
    // Root without CAP_NET_RAW/CAP_NET_ADMIN is exactly a user without capture rights.
    const started = Date.now();
    const capture = cli(['capture', '--interface', 'lo'], ['setpriv', '--bounding-set', '-net_raw,-net_admin', '--']);
    const { code } = await capture.exit;
    assert.equal(code, 2);
    assert.match(capture.stderr(), /^wirelens: Wirelens may not capture on "lo": dumpcap has no permission to capture; add your user to the wireshark group .* or give dumpcap the capture capabilities \(sudo setcap cap_net_raw,cap_net_admin=eip .*\)\.\n$/);
    assert.ok(Date.now() - started < 10_000, 'no hang');
    assert.deepEqual(processesWith(scratch), []);
  });

  it('names a bad filter, an unknown interface and a missing command (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--interface', 'lo', '--filter', 'tcp port nope'], /The capture filter "tcp port nope" is not valid on "lo" \(unknown port 'nope'\)/],
      [['--interface', 'wirelens-no-such-if'], /There is no interface named "wirelens-no-such-if"/],
      [['--command', '--', 'wirelens-no-such-command', '-w', '-'], /The capture command "wirelens-no-such-command" .* was not found/],
      [['--interface', 'lo', '--duration', 'soon'], /--duration must be a number above zero/],
      [['--filter', 'tcp'], /capture needs --interface IF/],
    ];
    for (const [args, message] of cases) {
      const capture = cli(['capture', ...args]);
      const { code } = await capture.exit;
      assert.equal(code, 2, args.join(' '));
      assert.match(capture.stderr(), message);
    }
    assert.deepEqual(processesWith(scratch), []);
  });
});
