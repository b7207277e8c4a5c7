/**
 * The TLS pass of a capture read directly runs tshark on a cut of the TLS streams, not on the
 * whole file: the frames it finds (handshakes, decrypted records) are tshark's own reading of the
 * file, with the original frame numbers and streams, whether the keys come from a key log or are
 * embedded in the pcapng (the cut carries the Decryption Secrets Block). Mixed captures are made
 * at test time: a TLS sample merged (mergecap) with a generated plaintext HTTP capture.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding } from '../../../protocol/model';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { streamsForCaptureRules } from '../../../server/src/analysis/findRuleViolations';
import { ALL_RULES } from '../../../server/src/rules';
import { analyzeTlsStreams } from '../../../server/src/tls/analyzeTls';
import { buildCaptureIndex, type CaptureIndex } from '../../../server/src/capture/captureIndex';
import { writeStreamsCut } from '../../../server/src/capture/dissect';
import { CUT_BELOW_SHARE, readTlsFramesOf } from '../../../server/src/tls/tlsFrameSource';
import { readTlsFrames } from '../../../server/src/tshark/tlsRecords';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { sample, tshark } from '../helpers';

async function indexOf(file: string): Promise<CaptureIndex> {
  const outcome = await buildCaptureIndex(file);
  assert.ok('index' in outcome, `the direct reader reads ${file}`);
  return outcome.index;
}

const tlsStreamsOf = (index: CaptureIndex) => index.conversations.filter((c) => c.protocol === 'tls').map((c) => c.stream);
const located = (findings: readonly Finding[]) => findings.map((f) => `${f.ruleId} ${f.direction} ${f.offset}+${f.length}`).sort();

describe('TLS pass on a cut of the TLS streams', function () {
  this.timeout(120_000);
  let tmp: string;
  let withKeyLog: string;
  let withEmbeddedKeys: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-tls-cut-'));
    const plaintext = path.join(tmp, 'plaintext.pcap');
    generateCapture({ file: plaintext, targetBytes: 400_000, seed: 77 });
    withKeyLog = path.join(tmp, 'mixed.pcapng');
    withEmbeddedKeys = path.join(tmp, 'mixed-embedded.pcapng');
    execFileSync('mergecap', ['-w', withKeyLog, sample('tls-incident.pcapng'), plaintext], { stdio: 'ignore' });
    execFileSync('mergecap', ['-w', withEmbeddedKeys, sample('tls-incident-embedded.pcapng'), plaintext], { stdio: 'ignore' });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const [name, file, keyLogFile] of [
    ['a key log', () => withKeyLog, sample('tls-incident.keys')],
    ['keys embedded in the pcapng', () => withEmbeddedKeys, undefined],
  ] as const) {
    it(`finds the frames tshark finds in the whole file, decrypted with ${name}`, async () => {
      const index = await indexOf(file());
      const streams = tlsStreamsOf(index);
      assert.equal(streams.length, 1);
      const packets = index.streamStart[streams[0] + 1] - index.streamStart[streams[0]];
      assert.ok(packets < index.packets.count * CUT_BELOW_SHARE, `the TLS stream (${packets} of ${index.packets.count} packets) is read from a cut`);
      const fromCut = await readTlsFramesOf(file(), index, streams, { keyLogFile });
      const fromFile = await readTlsFrames(file(), { keyLogFile, streams });
      assert.ok(fromFile.some((frame) => frame.decrypted.length > 0), 'tshark decrypts the whole file');
      assert.deepEqual(fromCut, fromFile);
    });
  }

  it('the cut holds exactly the packets of the chosen streams, in file order', async () => {
    const index = await indexOf(withKeyLog);
    const streams = [tlsStreamsOf(index)[0], 3];
    const cut = path.join(tmp, 'cut');
    const origin = await writeStreamsCut(index, streams, cut);
    const expected = streams
      .flatMap((stream) => tshark(['-r', withKeyLog, '-Y', `tcp.stream == ${stream}`, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').map((frame) => [Number(frame), stream]))
      .sort((a, b) => a[0] - b[0]);
    assert.deepEqual(origin.frames.map((frame, i) => [frame, origin.streams[i]]), expected);
    // tshark reads the cut as those packets: same count, and each packet's bytes as in the original.
    const inCut = tshark(['-r', cut, '-T', 'fields', '-e', 'frame.len', '-e', 'tcp.srcport']).trim().split('\n');
    const inOriginal = tshark(['-r', withKeyLog, '-Y', `frame.number in {${origin.frames.join(', ')}}`, '-T', 'fields', '-e', 'frame.len', '-e', 'tcp.srcport']).trim().split('\n');
    assert.deepEqual(inCut, inOriginal);
    assert.ok(fs.statSync(cut).size < fs.statSync(withKeyLog).size / 4, 'a small part of the file');
  });

  it('the whole analysis decrypts the TLS stream from the cut: the same as tshark reading every packet', async () => {
    const direct = await analyzeCaptureFile(withKeyLog, { tlsKeyLogFile: sample('tls-incident.keys') });
    const viaTshark = await analyzeCaptureFile(withKeyLog, { tlsKeyLogFile: sample('tls-incident.keys'), direct: false });
    assert.ok(direct.index, 'read directly');
    assert.deepEqual({ conversations: direct.conversations, findings: direct.findings }, { conversations: viaTshark.conversations, findings: viaTshark.findings });
    const tlsStream = tlsStreamsOf(direct.index)[0];
    const plain = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    assert.deepEqual(located(direct.findings.filter((f) => f.stream === tlsStream)), located(plain.findings), 'the decrypted stream shows its plaintext twin’s findings');
  });

  it('after decrypting, the capture rules read only the streams they can need, not every stream', async () => {
    // Without keys nothing is decrypted; the TLS stage then runs again with the key log over a
    // stream map that records which streams are read (a large capture's streams live on disk).
    const analysis = await analyzeCaptureFile(withKeyLog);
    const read = new Set<number>();
    const base = analysis.streams;
    const counting: ReadonlyMap<number, StreamAnalysis> = Object.assign(Object.create(base) as ReadonlyMap<number, StreamAnalysis>, {
      get: (stream: number) => (read.add(stream), base.get(stream)),
      values: () => { for (const stream of base.keys()) read.add(stream); return base.values(); },
      entries: () => { for (const stream of base.keys()) read.add(stream); return base.entries(); },
      [Symbol.iterator]: () => { for (const stream of base.keys()) read.add(stream); return base.entries(); },
    });
    const decrypted = await analyzeTlsStreams(withKeyLog, { ...analysis, streams: counting }, { tlsKeyLogFile: sample('tls-incident.keys') });
    const tlsStream = tlsStreamsOf(analysis.index!)[0];
    assert.ok(decrypted.findings.some((f) => f.stream === tlsStream), 'the TLS stream was decrypted and analysed');
    const allowed = new Set([tlsStream, ...streamsForCaptureRules(decrypted.conversations, ALL_RULES)]);
    assert.deepEqual([...read].filter((stream) => !allowed.has(stream)), [], 'streams read beyond the TLS stream and the capture rules’ candidates');
    assert.ok(read.size < analysis.conversations.length / 2, `${read.size} of ${analysis.conversations.length} streams read`);
  });
});
