/**
 * The bad-input matrix of docs/reliability.md through the real CLI: every row a file written at
 * test time (badInputFiles.ts) and the exact sentence, exit code and partial results the user
 * gets. Errors: exit 2, one line on stderr naming the file, nothing on stdout. Partial results:
 * the usual output and exit code (0 none, 1 findings) plus a warning line on stderr. Never a
 * stack trace, never a hang (each test has a mocha timeout well below runWirelens's 60 s).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { sample } from '../unit/helpers';
import { writeBadInputs, seededBytes, type BadInputs } from './badInputFiles';
import { assertNoStack, runWirelens, type Run } from './runWirelens';

/** Peak RSS of the CLI process measured for the large-header rows; docs/reliability.md states it. */
const PEAK_RSS_LIMIT_KIB = 256 * 1024;
const PEAK_RSS_PRELOAD = path.join(__dirname, 'badInputPeakRss.js');

interface JsonReport {
  summary: { packets: number; conversations: number; findings: number; warnings: string[] };
  findings: { ruleId: string; stream: number; direction: string; offset: number; length: number }[];
}

/** An error row: exit 2, exactly one line on stderr (the sentence), nothing on stdout. */
function assertError(run: Run, sentence: string | RegExp): void {
  assertNoStack(run);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  const lines = run.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got: ${run.stderr}`);
  if (typeof sentence === 'string') assert.equal(lines[0], `wirelens: ${sentence}`);
  else assert.match(lines[0], sentence);
}

/** The warning lines a run printed on stderr (partial results), without the prefix. */
function warningsOf(run: Run): string[] {
  return run.stderr
    .split('\n')
    .filter((line) => line.startsWith('wirelens: warning: '))
    .map((line) => line.slice('wirelens: warning: '.length));
}

function json(run: Run): JsonReport {
  return JSON.parse(run.stdout) as JsonReport;
}

/** The stable part of findings, to compare two readings of the same traffic. */
function findingKeys(report: JsonReport): string[] {
  return report.findings.map((f) => `${f.ruleId} ${f.stream} ${f.direction} +${f.offset}/${f.length}`);
}

/** Command lines of running tshark processes that mention `needle` (a temporary path of this test). */
function tsharkProcessesMentioning(needle: string): string[] {
  const table = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes('tshark') && line.includes(needle));
}

describe('wirelens on bad input (docs/reliability.md)', function () {
  this.timeout(30_000);
  let tmp: string;
  let files: BadInputs;
  let reference: JsonReport;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-bad-input-'));
    files = writeBadInputs(path.join(tmp, 'files'));
    const run = await runWirelens(['analyze', files.good, '--format', 'json']);
    assert.equal(run.code, 1, run.stderr);
    reference = json(run);
    assert.deepEqual(findingKeys(reference).map((k) => k.split(' ')[0]), ['duplicate-transfer-encoding']);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('files that are no capture: refused before tshark, with what they look like', () => {
    for (const command of [['analyze'], ['conversations'], ['follow', '0']]) {
      it(`empty file (${command[0]})`, async () => {
        assertError(await runWirelens([command[0], files.empty, ...command.slice(1)]), `${files.empty} is empty (0 bytes), not a capture.`);
      });
    }

    it('a file of 7 bytes, which tshark 4.0 opens as "MP4 media" and exits 0 on', async () => {
      assertError(await runWirelens(['analyze', files.sevenBytes]), `${files.sevenBytes} is only 7 bytes long: too short to be a capture file.`);
    });

    it('a file of 8 bytes', async () => {
      assertError(await runWirelens(['conversations', files.eightBytes]), `${files.eightBytes} is only 8 bytes long: too short to be a capture file.`);
    });

    it('JSON named .pcap, which tshark 4.0 opens as "JavaScript Object Notation" and exits 0 on', async () => {
      assertError(await runWirelens(['analyze', files.json, '--format', 'json']), `${files.json} is not a capture: it is JSON text.`);
    });

    it('a text file named .pcap: tshark is asked (some capture formats are text) and refuses', async () => {
      assertError(await runWirelens(['analyze', files.text]), `${files.text} is not a capture file that tshark can read (pcap, pcapng, or another Wireshark format): it looks like text.`);
      assertError(await runWirelens(['conversations', files.text]), /: it looks like text\.$/);
    });

    it('gzip-compressed text: named as such', async () => {
      assertError(await runWirelens(['analyze', files.gzippedText]), `${files.gzippedText} is not a capture file that tshark can read (pcap, pcapng, or another Wireshark format): it looks like gzip-compressed text.`);
    });

    it('a missing file and a directory', async () => {
      const missing = path.join(tmp, 'missing.pcap');
      assertError(await runWirelens(['analyze', missing]), `${missing} does not exist.`);
      assertError(await runWirelens(['follow', tmp, '0']), `${tmp} is not a file.`);
    });
  });

  describe('captures cut short or damaged: the packets before the problem, and where it is', () => {
    it('pcap cut inside its file header: nothing to read, an error', async () => {
      assertError(await runWirelens(['analyze', files.cutInFileHeader]), `${files.cutInFileHeader} is a pcap file cut short in its 24-byte file header (it has 12 bytes), so it holds no packets.`);
    });

    it('pcap cut inside a record header: the frames before it analysed, exit 0, a warning naming the byte', async () => {
      const run = await runWirelens(['analyze', files.cutInRecordHeader, '--format', 'json']);
      assertNoStack(run);
      assert.equal(run.code, 0, 'the cut response has no finding: 0, not 2');
      const before = files.cutFrame - 1;
      const warning = `${files.cutInRecordHeader} was cut short at byte ${files.cutInRecordHeaderAt}, in the middle of a record (9 of at least 16 bytes): only the ${before} frames before it were read, so results are partial.`;
      assert.deepEqual(warningsOf(run), [warning]);
      const report = json(run);
      assert.deepEqual(report.summary.warnings, [warning]);
      assert.equal(report.summary.packets, before);
      assert.equal(report.summary.conversations, 1);
    });

    it('pcap cut inside a record\'s data: the same, in text, conversations and follow', async () => {
      const analyze = await runWirelens(['analyze', files.cutInRecordData]);
      assertNoStack(analyze);
      assert.equal(analyze.code, 0);
      assert.match(warningsOf(analyze)[0], new RegExp(`^${files.cutInRecordData} was cut short at byte ${files.cutInRecordDataAt}, in the middle of a record \\(\\d+ of at least \\d+ bytes\\): only the 4 frames before it were read, so results are partial\\.$`));
      assert.match(analyze.stdout, /\(4 TCP packets, tshark /);
      const conversations = await runWirelens(['conversations', files.cutInRecordData, '--format', 'json']);
      assert.equal(conversations.code, 0);
      assert.deepEqual(warningsOf(conversations), warningsOf(analyze));
      assert.equal((JSON.parse(conversations.stdout) as { packets: number }).packets, 4);
      const follow = await runWirelens(['follow', files.cutInRecordData, '0', '--format', 'raw']);
      assert.equal(follow.code, 0);
      assert.deepEqual(warningsOf(follow), warningsOf(analyze));
      assert.equal(follow.stdout, 'GET /hello HTTP/1.1\r\nHost: 10.0.1.1\r\n\r\n', 'the request before the cut, whole');
    });

    it('pcapng with a block length that is not a multiple of 4: partial results up to the block', async () => {
      const run = await runWirelens(['analyze', files.pcapngBadBlockLength, '--format', 'json']);
      assertNoStack(run);
      assert.equal(run.code, 0);
      assert.deepEqual(warningsOf(run), [
        `${files.pcapngBadBlockLength} is damaged at byte ${files.pcapngBadBlockAt} (a pcapng block claims a length of 62 bytes, not a multiple of 4): only the 4 frames before it were read, so results are partial.`,
      ]);
      assert.equal(json(run).summary.packets, 4);
    });

    it('pcapng with a block length of 4 GiB: damaged, not a 4 GiB allocation', async () => {
      const run = await runWirelens(['conversations', files.pcapngHugeBlockLength]);
      assertNoStack(run);
      assert.equal(run.code, 0);
      assert.match(warningsOf(run)[0], /is damaged at byte \d+ \(a pcapng block claims a length of 4294967292 bytes, more than the 64 MiB Wirelens accepts\)/);
      assert.match(run.stdout, /^1 TCP conversation\.$/m);
    });
  });

  describe('captures with nothing, or something else, to analyse', () => {
    for (const name of ['zeroPacketsPcap', 'zeroPacketsPcapng'] as const) {
      it(`a capture of 0 packets (${name.endsWith('ng') ? 'pcapng' : 'pcap'}): exit 0 and says so`, async () => {
        const run = await runWirelens(['analyze', files[name]]);
        assertNoStack(run);
        assert.equal(run.code, 0);
        assert.deepEqual(warningsOf(run), [`${files[name]} holds no packets.`]);
        assert.match(run.stdout, /^0 findings in 0 of 0 TCP conversations \(0 TCP packets/m);
      });
    }

    it('a capture with no TCP (ARP only)', async () => {
      const run = await runWirelens(['conversations', files.noTcp]);
      assertNoStack(run);
      assert.equal(run.code, 0);
      assert.deepEqual(warningsOf(run), [`None of the ${files.noTcpFrames} frames in ${files.noTcp} is a TCP packet, so there is nothing to analyse.`]);
    });

    it('a link type the direct reader does not decode (PPP): tshark reads it, same findings', async () => {
      const run = await runWirelens(['analyze', files.ppp, '--format', 'json']);
      assertNoStack(run);
      assert.equal(run.code, 1);
      assert.deepEqual(warningsOf(run), []);
      assert.deepEqual(findingKeys(json(run)), findingKeys(reference));
    });

    it('a link type nobody decodes (USER0): tshark reads no TCP, and the warning says why', async () => {
      const run = await runWirelens(['analyze', files.unknownLinkType]);
      assertNoStack(run);
      assert.equal(run.code, 0);
      assert.deepEqual(warningsOf(run), [`tshark found no TCP packet in ${files.unknownLinkType} (Wirelens' own reader stopped at frame 1: link type 147), so there is nothing to analyse.`]);
    });

    it('a gzip-compressed capture: tshark decompresses it, same findings and conversations', async () => {
      const run = await runWirelens(['analyze', files.gzipped, '--format', 'json']);
      assertNoStack(run);
      assert.equal(run.code, 1);
      assert.deepEqual(findingKeys(json(run)), findingKeys(reference));
      const conversations = await runWirelens(['conversations', files.gzipped, '--format', 'json']);
      assert.equal(conversations.code, 0);
      assert.equal((JSON.parse(conversations.stdout) as { reader: string }).reader, 'tshark');
    });
  });

  describe('hostile sizes and bytes: bounded time and memory', () => {
    async function measured(file: string): Promise<{ run: Run; peakKiB: number }> {
      const rssFile = path.join(tmp, `${path.basename(file)}.rss`);
      const run = await runWirelens(['analyze', file, '--format', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
        env: { NODE_OPTIONS: `--require ${PEAK_RSS_PRELOAD}`, WIRELENS_PEAK_RSS_FILE: rssFile },
      });
      return { run, peakKiB: Number(fs.readFileSync(rssFile, 'utf8')) };
    }

    it('a 1 MiB header line: one header-section-too-large finding, memory under the documented limit', async () => {
      const { run, peakKiB } = await measured(files.headerLine1MB);
      assertNoStack(run);
      assert.equal(run.code, 1);
      const report = json(run);
      assert.ok(report.findings.some((f) => f.ruleId === 'header-section-too-large'));
      assert.ok(peakKiB > 0 && peakKiB < PEAK_RSS_LIMIT_KIB, `peak RSS ${peakKiB} KiB`);
    });

    it('a header section of 100k fields: parsed whole, memory under the documented limit', async () => {
      const { run, peakKiB } = await measured(files.fields100k);
      assertNoStack(run);
      assert.equal(run.code, 1);
      const tooLarge = json(run).findings.find((f) => f.ruleId === 'header-section-too-large');
      assert.ok(tooLarge);
      assert.ok(peakKiB > 0 && peakKiB < PEAK_RSS_LIMIT_KIB, `peak RSS ${peakKiB} KiB`);
    });

    it('a body of random binary: no finding about it, and follow gives back exactly its bytes', async () => {
      const run = await runWirelens(['analyze', files.randomBody]);
      assertNoStack(run);
      assert.equal(run.code, 0);
      const follow = await runWirelens(['follow', files.randomBody, '0', '--format', 'json'], { maxBuffer: 16 * 1024 * 1024 });
      assert.equal(follow.code, 0);
      const response = Buffer.from((JSON.parse(follow.stdout) as { serverToClient: { base64: string } }).serverToClient.base64, 'base64');
      const body = seededBytes(64 * 1024, 0x5eed);
      assert.ok(response.subarray(response.length - body.length).equals(body));
      const text = await runWirelens(['follow', files.randomBody, '0']);
      assert.equal(text.code, 0);
      assert.doesNotMatch(text.stdout, /\x1b/, 'terminal escapes in the body are escaped');
    });

    it('HTTP/2 (h2c) and TLS streams from the samples', async () => {
      for (const file of ['h2c-grpc.pcapng', 'h2c-malformed.pcapng', 'tls-incident.pcapng', 'tls12-unknown-ca.pcapng']) {
        const run = await runWirelens(['analyze', sample(file)]);
        assertNoStack(run);
        assert.ok(run.code === 0 || run.code === 1, `${file}: ${run.stderr}`);
        assert.deepEqual(warningsOf(run), [], file);
      }
      const follow = await runWirelens(['follow', sample('tls-incident.pcapng'), '0']);
      assert.equal(follow.code, 0);
      assert.match(follow.stdout, /encrypted: attach a key log/i);
    });
  });

  describe('tshark missing, too old, not tshark, killed', () => {
    let fakes: string;
    before(() => {
      fakes = path.join(tmp, 'fake-tshark');
      fs.mkdirSync(fakes);
      const script = (name: string, body: string) => {
        const file = path.join(fakes, name);
        fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        return file;
      };
      script('old', 'echo "TShark (Wireshark) 2.6.20 (Git v2.6.20 packaged as 2.6.20-0+deb10u4)."');
      script('impostor', 'echo "hello from something else"');
      // Real tshark whose reading dies mid-output (as under the OOM killer): the line it was writing is cut.
      script('killed', 'case " $* " in *" --version "*) exec tshark "$@";; esac\ntshark "$@" | head -c 3000\nkill -9 $$');
    });

    it('missing: every command that needs it says how to get it', async () => {
      const sentence = 'tshark was not found (looked for "/nonexistent/tshark"). Install it (Debian/Ubuntu: sudo apt-get install tshark) or set wirelens.tsharkPath.';
      assertError(await runWirelens(['analyze', files.good, '--tshark', '/nonexistent/tshark']), sentence);
      assertError(await runWirelens(['conversations', files.gzipped, '--tshark', '/nonexistent/tshark']), sentence);
    });

    it('missing: conversations of a pcap come from the index and need no tshark', async () => {
      const run = await runWirelens(['conversations', files.good, '--tshark', '/nonexistent/tshark']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^1 TCP conversation\.$/m);
    });

    it('too old, on both ways in', async () => {
      const old = path.join(fakes, 'old');
      const sentence = `tshark 2.6.20 (${old}) is too old: Wirelens needs tshark 3.0 or newer. Install a newer Wireshark or set wirelens.tsharkPath.`;
      assertError(await runWirelens(['analyze', files.good, '--tshark', old]), sentence);
      assertError(await runWirelens(['analyze', files.gzipped, '--tshark', old]), sentence);
    });

    it('a binary that is not tshark', async () => {
      const impostor = path.join(fakes, 'impostor');
      assertError(await runWirelens(['analyze', files.good, '--tshark', impostor]), `${impostor} does not look like tshark: "${impostor} --version" printed "hello from something else".`);
    });

    it('killed mid-read: an error naming the signal, no tshark left behind', async () => {
      const killed = path.join(fakes, 'killed');
      // gzip sends the file to tshark (for a pcap the direct reader would not run it at all).
      const big = path.join(tmp, 'big.pcap.gz');
      fs.writeFileSync(big, zlib.gzipSync(fs.readFileSync(files.headerLine1MB)));
      assertError(await runWirelens(['analyze', big, '--tshark', killed]), `tshark was killed (SIGKILL) while reading ${big}: run it again.`);
      // A pcapng the direct reader reads, killed in the TLS pass (tshark's second reading).
      const tls = sample('tls-incident.pcapng');
      assertError(await runWirelens(['analyze', tls, '--keylog', sample('tls-incident.keys'), '--tshark', killed]), `tshark was killed (SIGKILL) while reading ${tls}: run it again.`);
      assert.deepEqual(tsharkProcessesMentioning(tmp), []);
    });
  });
});
