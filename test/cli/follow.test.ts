/**
 * `wirelens follow FILE STREAM` (the real bin/wirelens) against tshark's own reassembly.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding } from '../../protocol/model';
import { generateCapture } from '../../scripts/bench/generateCapture';
import { runTshark, tsharkFollowAll } from '../unit/capture/tsharkOracle';
import { sample } from '../unit/helpers';
import { runWirelens } from './runWirelens';

/** The real CLI; stdout as latin1 so raw payload bytes survive. */
const wirelens = (...args: string[]) => runWirelens(args, { maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' });

/** Every payload line of `tshark -z follow,tcp,raw,N`, both nodes, in capture order. */
function tsharkPayloadInOrder(file: string, stream: number): Buffer {
  const out = runTshark(['-r', file, '-n', '-q', '-z', `follow,tcp,raw,${stream}`]);
  const lines = out.split('\n');
  const begin = lines.findIndex((l) => l.startsWith('Node 1: '));
  const hex = lines.slice(begin + 1).filter((l) => l.trim() && !l.startsWith('====='));
  return Buffer.from(hex.map((l) => l.trim()).join(''), 'hex');
}

describe('wirelens follow', function () {
  this.timeout(60_000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-follow-'));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('--format raw: the payload bytes in capture order, as tshark follows them', async () => {
    const file = sample('incident-wrong.pcapng');
    const run = await wirelens('follow', file, '0', '--format', 'raw');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Buffer.from(run.stdout, 'latin1').equals(tsharkPayloadInOrder(file, 0)));
  });

  it('--format json: both directions, segments and the stream\'s findings', async () => {
    const file = sample('incident-wrong.pcapng');
    const run = await wirelens('follow', file, '0', '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const parsed = JSON.parse(run.stdout) as {
      stream: number;
      clientToServer: { base64: string; length: number };
      serverToClient: { base64: string; length: number };
      segments: { direction: string; frame: number; length: number }[];
      exchanges: { request?: { method: string }; response?: { status: number } }[];
      findings: Finding[];
    };
    const theirs = tsharkFollowAll(file, [0]).get(0)!;
    assert.ok(Buffer.from(parsed.clientToServer.base64, 'base64').equals(theirs.fromNode0));
    assert.ok(Buffer.from(parsed.serverToClient.base64, 'base64').equals(theirs.fromNode1));
    assert.equal(parsed.segments.reduce((n, s) => n + s.length, 0), parsed.clientToServer.length + parsed.serverToClient.length);
    assert.equal(parsed.exchanges[0].request?.method, 'POST');
    assert.equal(parsed.exchanges[0].response?.status, 200);
    assert.ok(parsed.findings.some((f) => f.ruleId === 'duplicate-transfer-encoding' && f.frame === 6));
  });

  it('text (default): the document the editor shows, request then response', async () => {
    const run = await wirelens('follow', sample('incident-wrong.pcapng'), '0');
    assert.equal(run.code, 0, run.stderr);
    const text = Buffer.from(run.stdout, 'latin1').toString('utf8');
    assert.match(text, /^Wirelens · Follow HTTP stream 0 · incident-wrong\.pcapng\n/);
    assert.match(text, /▶ request 1 · client → server/);
    assert.match(text, /Transfer-Encoding: Chunked\ntransfer-encoding: chunked\n/);
  });

  it('any stream of a multi-stream capture, read from the index', async () => {
    const file = path.join(tmp, 'generated.pcap');
    generateCapture({ file, targetBytes: 800_000, seed: 5, concurrency: 8 });
    for (const stream of [0, 3, 6]) {
      const run = await wirelens('follow', file, String(stream), '--format', 'raw');
      assert.equal(run.code, 0, run.stderr);
      assert.ok(Buffer.from(run.stdout, 'latin1').equals(tsharkPayloadInOrder(file, stream)), `stream ${stream}`);
    }
  });

  it('errors: a stream that does not exist, a stream that is not a number', async () => {
    const file = sample('incident-wrong.pcapng');
    const none = await wirelens('follow', file, '5');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^wirelens: .*incident-wrong\.pcapng has no TCP stream 5\.\n$/);
    const word = await wirelens('follow', file, 'first');
    assert.equal(word.code, 2);
    assert.match(word.stderr, /the stream must be a number/);
    const format = await wirelens('follow', file, '0', '--format', 'hex');
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format must be one of text, raw, json/);
  });
});
