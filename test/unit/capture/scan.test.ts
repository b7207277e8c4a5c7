/**
 * The full scan: worker threads and the main thread give the same answers; every planted anomaly
 * of a generated capture is found; following a stream reads only its packets; capture-scope rules
 * see the same streams whether the analyses are kept or read back lazily; cancellation works;
 * files the direct reader cannot decode go to tshark.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { analyzeIndexedStream } from '../../../server/src/capture/analyzeStream';
import { buildCaptureIndex, packetsOfStream, type CaptureIndex } from '../../../server/src/capture/captureIndex';
import { IndexedStreamMap } from '../../../server/src/capture/indexedAnalysis';
import { PacketReader, readStreamSegments } from '../../../server/src/capture/packetReader';
import { findScanWorkerScript, scanCapture } from '../../../server/src/capture/scan';
import { ScanAbortedError } from '../../../server/src/capture/streamScanner';
import { ALL_RULES } from '../../../server/src/rules';
import type { CaptureRule, Rule } from '../../../server/src/rules/rule';
import { frameAt } from '../../../server/src/tcp/tcpReassembler';
import { TsharkError } from '../../../server/src/tshark/tsharkError';
import { generateCapture, type CaptureManifest } from '../../../scripts/bench/generateCapture';
import { allCaptures, sample } from '../helpers';
import { greFrames, pcapBytes } from './fixtures';

async function indexOf(file: string): Promise<CaptureIndex> {
  const outcome = await buildCaptureIndex(file);
  if (!('index' in outcome)) throw new Error(outcome.unsupported);
  return outcome.index;
}

/** A capture-scope rule that touches every stream's parse and bytes (as proxy-generated-error does). */
const everyResponse: CaptureRule = {
  scope: 'capture',
  id: 'test-every-response',
  title: 'test',
  severity: 'info',
  rfc: { document: 'RFC 9110', section: '15', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-15' },
  description: 'test',
  verdicts: [],
  check({ streams }) {
    return streams.flatMap((s) =>
      s.http.exchanges
        .filter((e) => e.response)
        .map((e) => ({ stream: s.connection.stream, direction: 'server-to-client' as const, offset: e.response!.offset, length: 4, message: `${s.connection.serverToClient.bytes[e.response!.offset + 9]} ${frameAt(s.connection.serverToClient, e.response!.offset)}` })),
    );
  },
};

describe('capture: full scan', function () {
  this.timeout(120_000);
  let tmp: string;
  let file: string;
  let manifest: CaptureManifest;
  let index: CaptureIndex;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-scan-'));
    file = path.join(tmp, 'generated.pcap');
    manifest = generateCapture({ file, targetBytes: 3_000_000, seed: 7, anomalyRate: 0.1, concurrency: 16 });
    index = await indexOf(file);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the worker bundle exists (dist/scanWorker.js, built by node esbuild.mjs)', () => {
    assert.ok(findScanWorkerScript(), 'dist/scanWorker.js is missing: build it with `node esbuild.mjs`');
  });

  it('finds every planted anomaly, on the planted stream and direction, and nothing unplanted of those rules', async () => {
    const result = await scanCapture(index, { workers: 0 });
    assert.equal(result.streams.length, manifest.streams);
    assert.ok(manifest.anomalies.length >= 3, 'the generator planted anomalies');
    const found = result.streams.flatMap((s) => s.findings);
    for (const anomaly of manifest.anomalies) {
      assert.ok(
        found.some((f) => f.ruleId === anomaly.ruleId && f.stream === anomaly.stream && f.direction === anomaly.direction),
        `planted ${anomaly.ruleId} on stream ${anomaly.stream} ${anomaly.direction} was not found`,
      );
    }
    const planted = new Set(manifest.anomalies.map((a) => `${a.ruleId} ${a.stream}`));
    const unplanted = found.filter((f) => (f.ruleId === 'duplicate-transfer-encoding' || f.ruleId === 'cl-and-te') && !planted.has(`${f.ruleId} ${f.stream}`));
    assert.deepEqual(unplanted, []);
  });

  it('two worker threads give exactly what the main thread gives, and report progress to the end', async () => {
    const inThread = await scanCapture(index, { workers: 0 });
    const fractions: number[] = [];
    let streamed = 0;
    const inWorkers = await scanCapture(index, { workers: 2, onProgress: (_packets, fraction) => fractions.push(fraction), onStream: () => streamed++ });
    assert.equal(inWorkers.workers, 2);
    assert.deepEqual(inWorkers.streams, inThread.streams);
    assert.deepEqual(inWorkers.captureFindings, inThread.captureFindings);
    assert.equal(streamed, index.conversations.length);
    assert.equal(fractions[fractions.length - 1], 1);
  });

  it('IndexedStreamMap (large captures) reads a stream on demand, the same as the analysis kept in memory (small ones)', async () => {
    const analysis = await analyzeCaptureFile(file, { workers: 2 });
    assert.ok(analysis.streams instanceof Map, 'a 3 MB capture keeps its analyses in memory');
    const lazy = new IndexedStreamMap(index, new Map(analysis.conversations.map((c) => [c.stream, analysis.findings.filter((f) => f.stream === c.stream)])));
    assert.equal(lazy.size, analysis.streams.size);
    for (const [stream, kept] of analysis.streams) {
      const read = lazy.get(stream);
      assert.ok(read);
      assert.deepEqual(read.connection, kept.connection);
      assert.deepEqual(read.http, kept.http);
      assert.deepEqual(read.findings, kept.findings);
    }
    assert.equal([...lazy.keys()].length, lazy.size);
  });

  it('following a stream reads only its packets', () => {
    const stream = Math.floor(index.conversations.length / 2);
    const reader = new PacketReader(index);
    const indices = packetsOfStream(index, stream);
    let records = 0;
    reader.readStream(indices, () => records++);
    reader.close();
    let expected = 0;
    for (const i of indices) expected += index.packets.recordLength[i];
    assert.equal(records, index.conversations[stream].packets);
    assert.equal(reader.bytesRead, expected);
    assert.ok(reader.bytesRead < index.size / 20, `read ${reader.bytesRead} of ${index.size} bytes`);
    assert.equal(readStreamSegments(index, stream).length, records);
  });

  it('capture-scope rules see the same streams, kept in memory or read back lazily (in a worker or not)', async () => {
    const rules: Rule[] = [...ALL_RULES.filter((r) => r.scope !== 'capture'), everyResponse];
    const kept = await scanCapture(index, { rules, keepAnalyses: true });
    const lazy = await scanCapture(index, { rules });
    assert.ok(kept.captureFindings.length > 100);
    assert.deepEqual(lazy.captureFindings, kept.captureFindings);
  });

  it('the catalogue\'s capture rule (proxy-generated-error) gives the same findings in the capture-rules worker', async function () {
    const proxySample = sample('proxy-502.pcapng');
    if (!fs.existsSync(proxySample)) this.skip();
    const small = await indexOf(proxySample);
    const kept = await scanCapture(small, { keepAnalyses: true });
    const inWorker = await scanCapture(small, { workers: 2 });
    assert.ok(kept.captureFindings.length > 0, 'the sample holds a proxy-generated error');
    assert.deepEqual(inWorker.captureFindings, kept.captureFindings);
  });

  it('capture rules given only their candidate streams, read back lazily, find what they find over every stream kept in memory (every sample and shared capture)', async () => {
    let withFindings = 0;
    for (const capture of allCaptures()) {
      const outcome = await buildCaptureIndex(capture);
      if (!('index' in outcome)) continue;
      const kept = await scanCapture(outcome.index, { keepAnalyses: true });
      const lazy = await scanCapture(outcome.index, { workers: 0 });
      assert.deepEqual(lazy.captureFindings, kept.captureFindings, path.basename(capture));
      if (kept.captureFindings.length > 0) withFindings++;
    }
    assert.ok(withFindings >= 2, 'the proxy samples have proxy-generated errors');
  });

  it('cancelling stops the workers and rejects', async () => {
    const controller = new AbortController();
    const run = scanCapture(index, { workers: 2, signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(run, ScanAbortedError);
    const analysis = analyzeCaptureFile(file, { signal: AbortSignal.abort() });
    await assert.rejects(analysis, (e: unknown) => e instanceof TsharkError && e.failure === 'cancelled');
  });

  it('a stream that does not exist is undefined', () => {
    assert.equal(analyzeIndexedStream(index, index.conversations.length), undefined);
    assert.equal(new IndexedStreamMap(index, new Map()).get(-1), undefined);
  });

  it('a capture cut short mid-packet: indexed up to the cut, with tshark\'s warning', async () => {
    const cut = path.join(tmp, 'cut.pcap');
    const bytes = fs.readFileSync(sample('incident-wrong.pcapng'));
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
    const analysis = await analyzeCaptureFile(cut);
    assert.equal(analysis.index?.problem?.kind, 'cut');
    assert.match(analysis.summary.warnings.join(), /cut short at byte \d+.*partial/);
    const viaTshark = await analyzeCaptureFile(cut, { direct: false });
    assert.equal(analysis.summary.packets, viaTshark.summary.packets);
    assert.deepEqual(analysis.findings, viaTshark.findings);
  });

  it('a capture the direct reader cannot follow (TCP inside GRE) is read by tshark instead', async () => {
    const gre = path.join(tmp, 'gre.pcap');
    fs.writeFileSync(gre, pcapBytes(1, greFrames()));
    const outcome = await buildCaptureIndex(gre);
    assert.ok('unsupported' in outcome && /a tunnel/.test(outcome.unsupported));
    const analysis = await analyzeCaptureFile(gre);
    assert.equal(analysis.index, undefined);
    assert.equal(analysis.conversations.length, 1);
    assert.equal(analysis.conversations[0].exchanges[0].status, 200);
  });
});
