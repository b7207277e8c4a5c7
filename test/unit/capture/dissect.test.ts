/**
 * tshark's JSON dissection of one stream, run on a cut of that stream's records (stdin), equals
 * tshark's dissection of the same packets in the whole file, frame numbers and stream id included.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCaptureIndex, packetsOfStream, type CaptureIndex } from '../../../server/src/capture/captureIndex';
import { cutStream, cutStreams, dissectStream } from '../../../server/src/capture/dissect';
import { buildDissectArgs, renumberDissection, type DissectedPacket } from '../../../server/src/tshark/dissectCut';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { sample } from '../helpers';
import { writeSyntheticCaptures } from './fixtures';
import { runTshark } from './tsharkOracle';

async function indexOf(file: string): Promise<CaptureIndex> {
  const outcome = await buildCaptureIndex(file);
  if (!('index' in outcome)) throw new Error(outcome.unsupported);
  return outcome.index;
}

type Layers = Record<string, Record<string, unknown>>;

function layersOf(packet: DissectedPacket): Layers {
  return packet._source.layers as Layers;
}

/** The fields that must agree between the cut and the whole file. */
function summary(packets: readonly DissectedPacket[]) {
  return packets.map((p) => {
    const l = layersOf(p);
    return {
      frame: l.frame['frame.number'],
      length: l.frame['frame.len'],
      stream: l.tcp['tcp.stream'],
      seq: l.tcp['tcp.seq_raw'],
      payload: l.tcp['tcp.payload'],
      http: l.http ? Object.keys(l.http).filter((k) => /^(GET|POST|HTTP\/1\.1)/.test(k)) : [],
    };
  });
}

describe('capture: tshark dissection on a cut', function () {
  this.timeout(60_000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-dissect-'));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('buildDissectArgs reads the temporary cut', () => {
    assert.deepEqual(buildDissectArgs('/tmp/x/cut.pcapng').slice(0, 4), ['-r', '/tmp/x/cut.pcapng', '-T', 'json']);
  });

  it('one stream of a multi-stream capture: the same packets, frames and HTTP as in the whole file', async () => {
    const file = path.join(tmp, 'generated.pcap');
    generateCapture({ file, targetBytes: 600_000, seed: 8, concurrency: 8 });
    const index = await indexOf(file);
    const stream = Math.floor(index.conversations.length / 2);
    const cut = cutStream(index, stream);
    assert.equal(cut.frames.length, index.conversations[stream].packets);
    assert.ok(cut.bytes.length < index.size / 4, 'the cut is small');
    const fromCut = await dissectStream(index, stream);
    const whole = JSON.parse(runTshark(['-r', file, '-T', 'json', '-o', 'tcp.analyze_sequence_numbers:TRUE', '-Y', `tcp.stream == ${stream}`])) as DissectedPacket[];
    assert.deepEqual(summary(fromCut), summary(whole));
    assert.ok(summary(fromCut).some((p) => p.http.length > 0), 'tshark dissected HTTP in the cut');
  });

  it('a cut of several streams holds exactly their packets, in file order', async () => {
    const file = path.join(tmp, 'several.pcap');
    generateCapture({ file, targetBytes: 400_000, seed: 12, concurrency: 6 });
    const index = await indexOf(file);
    const cut = cutStreams(index, [4, 1], { maxPackets: Infinity });
    const expected = [1, 4].flatMap((s) => Array.from(packetsOfStream(index, s), (i) => index.packets.frame[i])).sort((a, b) => a - b);
    assert.deepEqual(cut.frames, expected);
    const cutFile = path.join(tmp, 'cut.pcap');
    fs.writeFileSync(cutFile, cut.bytes);
    assert.equal(runTshark(['-r', cutFile, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length, expected.length);
  });

  it('chosen frames of a stream, from pcapng with sections of different byte order and link type', async () => {
    const [file] = writeSyntheticCaptures(tmp).filter((f) => f.endsWith('multi-section.pcapng'));
    const index = await indexOf(file);
    for (const stream of [1, 2]) {
      const frames = Array.from(packetsOfStream(index, stream), (i) => index.packets.frame[i]);
      const chosen = [frames[0], frames[3]];
      const fromCut = await dissectStream(index, stream, { frames: chosen });
      assert.deepEqual(fromCut.map((p) => layersOf(p).frame['frame.number']), chosen.map(String));
      assert.deepEqual(fromCut.map((p) => layersOf(p).tcp['tcp.stream']), [String(stream), String(stream)]);
    }
  });

  it('the incident sample: the duplicate Transfer-Encoding lines as tshark shows them', async () => {
    const index = await indexOf(sample('incident-wrong.pcapng'));
    const packets = await dissectStream(index, 0);
    const response = packets.find((p) => layersOf(p).http && Object.keys(layersOf(p).http).some((k) => k.startsWith('HTTP/1.1 200')));
    assert.ok(response);
    assert.equal(layersOf(response).frame['frame.number'], '6');
  });

  it('renumberDissection maps frame references back and leaves other numbers alone', () => {
    const packets = [{ _source: { layers: { frame: { 'frame.number': '2', 'frame.len': '60' }, tcp: { 'tcp.stream': '0', 'tcp.analysis': { 'tcp.analysis.acks_frame': '1' } } } } }];
    const renumbered = renumberDissection(packets, [40, 57], 12);
    assert.deepEqual(renumbered[0]._source.layers, { frame: { 'frame.number': '57', 'frame.len': '60' }, tcp: { 'tcp.stream': '12', 'tcp.analysis': { 'tcp.analysis.acks_frame': '40' } } });
  });
});
