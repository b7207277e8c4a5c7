/**
 * The direct reader against tshark, its oracle, on every capture in samples/ and the shared
 * corpus, on synthetic captures of every supported link type and stream-numbering situation,
 * and on a small generated benchmark capture:
 *   1. the index's conversations = `tshark -z conv,tcp` (endpoints, frames and bytes each way,
 *      start, duration);
 *   2. each stream's bytes, read on demand = `tshark -z follow,tcp,raw,N`, both directions;
 *   3. DirectCaptureSource's segments = TsharkCaptureSource's, field by field (tcp.stream,
 *      addresses, seq, flags, scaled window, payload, time);
 *   4. the whole analysis (conversations, findings) is the same by either path
 *      (analyzeCaptureFile reading directly, and with `direct: false`, through tshark).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { analyzeIndexedStream } from '../../../server/src/capture/analyzeStream';
import { buildCaptureIndex, indexFileFacts, type CaptureIndex } from '../../../server/src/capture/captureIndex';
import { captureFileFacts } from '../../../server/src/tshark/captureInfo';
import { DirectCaptureSource } from '../../../server/src/capture/directCaptureSource';
import type { PacketSource, TcpSegment } from '../../../server/src/tshark/tcpSegment';
import { TsharkCaptureSource } from '../../../server/src/tshark/tsharkRunner';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { allCaptures } from '../helpers';
import { writeSyntheticCaptures } from './fixtures';
import { followNodeName, formatSize, tsharkConversationsAndFollows, type TsharkConversation } from './tsharkOracle';

async function indexOf(file: string): Promise<CaptureIndex> {
  const outcome = await buildCaptureIndex(file);
  assert.ok('index' in outcome, `the direct reader should read ${path.basename(file)}: ${'unsupported' in outcome ? outcome.unsupported : ''}`);
  return outcome.index;
}

/** tshark prints IPv6 conversation endpoints without brackets. */
function convName(e: { address: string; port: number }): string {
  return `${e.address}:${e.port}`;
}

function checkConversations(index: CaptureIndex, theirs: readonly TsharkConversation[]): void {
  assert.equal(index.conversations.length, theirs.length, 'number of TCP conversations');
  const unmatched = [...theirs];
  for (const c of index.conversations) {
    const relativeStart = c.firstTime - index.firstTime;
    // Rows are matched by endpoints and start (tshark sorts its table its own way).
    const candidates = unmatched.filter((t) => (t.a === convName(c.a) && t.b === convName(c.b)) || (t.a === convName(c.b) && t.b === convName(c.a)));
    candidates.sort((x, y) => Math.abs(x.relativeStart - relativeStart) - Math.abs(y.relativeStart - relativeStart));
    const t = candidates[0];
    assert.ok(t, `stream ${c.stream} (${convName(c.a)} <-> ${convName(c.b)}) is not in tshark's table`);
    unmatched.splice(unmatched.indexOf(t), 1);
    const same = t.a === convName(c.a);
    const label = `stream ${c.stream} ${convName(c.a)} <-> ${convName(c.b)}`;
    assert.equal(t.framesAToB, same ? c.framesAToB : c.framesBToA, `${label}: frames A→B`);
    assert.equal(t.framesBToA, same ? c.framesBToA : c.framesAToB, `${label}: frames B→A`);
    assert.equal(t.bytesAToB, formatSize(same ? c.bytesAToB : c.bytesBToA), `${label}: bytes A→B`);
    assert.equal(t.bytesBToA, formatSize(same ? c.bytesBToA : c.bytesAToB), `${label}: bytes B→A`);
    assert.equal(t.frames, c.packets, `${label}: frames`);
    assert.ok(Math.abs(t.relativeStart - relativeStart) < 2e-6, `${label}: relative start ${relativeStart} vs tshark ${t.relativeStart}`);
    assert.ok(Math.abs(t.duration - (c.lastTime - c.firstTime)) <= 0.00006, `${label}: duration ${c.lastTime - c.firstTime} vs tshark ${t.duration}`);
  }
}

async function collect(source: PacketSource): Promise<TcpSegment[]> {
  const out: TcpSegment[] = [];
  for await (const segment of source.segments()) out.push(segment);
  return out;
}

function comparable(s: TcpSegment) {
  return { ...s, time: Math.round(s.time * 1e5) / 1e5, payload: Buffer.from(s.payload).toString('hex') };
}

async function checkCapture(file: string, compareAnalyses: boolean): Promise<void> {
  const index = await indexOf(file);
  // The tshark runs overlap (two cores); the comparisons follow.
  const [{ conversations, follows }, viaTshark, analyses, capinfos] = await Promise.all([
    tsharkConversationsAndFollows(file, index.conversations.length),
    collect(new TsharkCaptureSource(file)),
    compareAnalyses ? Promise.all([analyzeCaptureFile(file), analyzeCaptureFile(file, { direct: false })]) : undefined,
    captureFileFacts(file),
  ]);

  // The header's facts from the index are capinfos' (times to the microsecond: the index keeps doubles).
  const facts = indexFileFacts(index);
  assert.ok(facts, `the link types ${index.linkTypes} have names`);
  assert.equal(facts.linkType, capinfos.linkType, 'link type');
  // capinfos gives times per section only for a pcapng of several sections: then there is nothing to compare.
  const sections = index.format.format === 'pcapng' ? index.format.sections.length : 1;
  for (const key of ['firstTime', 'lastTime'] as const) {
    const theirs = capinfos[key];
    if (theirs !== undefined) assert.ok(facts[key] !== undefined && Math.abs(facts[key] - theirs) < 2e-6, `${key}: ${facts[key]} vs capinfos ${theirs}`);
    else if (sections === 1) assert.equal(facts[key], undefined, `${key}: capinfos has none`);
  }

  checkConversations(index, conversations);

  for (const c of index.conversations) {
    const analysed = analyzeIndexedStream(index, c.stream);
    assert.ok(analysed, `stream ${c.stream} reads`);
    const followed = follows.get(c.stream);
    assert.ok(followed, `tshark followed stream ${c.stream}`);
    const clientIsNode0 = followed.node1 !== followNodeName(analysed.connection.client);
    const fromClient = clientIsNode0 ? followed.fromNode0 : followed.fromNode1;
    const fromServer = clientIsNode0 ? followed.fromNode1 : followed.fromNode0;
    assert.ok(Buffer.from(analysed.connection.clientToServer.bytes).equals(fromClient), `stream ${c.stream}: client→server bytes (${analysed.connection.clientToServer.bytes.length} vs tshark ${fromClient.length})`);
    assert.ok(Buffer.from(analysed.connection.serverToClient.bytes).equals(fromServer), `stream ${c.stream}: server→client bytes (${analysed.connection.serverToClient.bytes.length} vs tshark ${fromServer.length})`);
  }

  const direct = await collect(new DirectCaptureSource(index));
  assert.equal(direct.length, viaTshark.length, 'number of TCP segments');
  for (let i = 0; i < direct.length; i++) assert.deepEqual(comparable(direct[i]), comparable(viaTshark[i]), `segment ${i} (frame ${viaTshark[i].frame})`);

  if (!analyses) return;
  const [actual, expected] = analyses;
  assert.ok(actual.index, 'analyzeCaptureFile read the capture directly');
  assert.equal(expected.index, undefined);
  assert.deepEqual({ conversations: actual.conversations, findings: actual.findings }, { conversations: expected.conversations, findings: expected.findings });
}

describe('capture: direct reader vs tshark (differential)', function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-differential-'));
  const synthetic = writeSyntheticCaptures(tmp);
  const generated = path.join(tmp, 'generated-http.pcap');
  generateCapture({ file: generated, targetBytes: 1_500_000, seed: 20251125, anomalyRate: 0.05, concurrency: 12 });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // Whole analyses are compared where there is HTTP worth analysing; the synthetic captures test
  // reading and decoding, which the segment comparison covers.
  for (const file of [...allCaptures(), generated]) it(path.basename(file), () => checkCapture(file, true));
  for (const file of synthetic) it(path.basename(file), () => checkCapture(file, false));
});
