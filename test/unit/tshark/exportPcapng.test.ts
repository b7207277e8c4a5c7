import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportStreamsAsPcapng } from '../../../server/src/tshark/exportPcapng';
import { streamFilter } from '../../../server/src/tshark/streamFilter';
import { sample, sharedCapturesDir, tshark } from '../helpers';

/** What identifies a packet whatever file it is in: time, length, ports, raw sequence number. */
function packets(file: string, filter?: string): string[] {
  return tshark(['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw'])
    .split('\n')
    .filter(Boolean);
}

describe('exportStreamsAsPcapng', () => {
  let folder: string;
  beforeEach(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-export-'))));
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('streamFilter writes consecutive streams as ranges, comma-separated', () => {
    assert.equal(streamFilter([7, 3, 4, 5, 0, 4]), 'tcp.stream in {0, 3..5, 7}');
    assert.throws(() => streamFilter([]), /at least one/);
    assert.throws(() => streamFilter([-1]), /non-negative/);
  });

  it('the exported pcapng, read back by tshark, holds exactly the conversation’s packets', async () => {
    const capture = sample('proxy-502.pcapng');
    const output = path.join(folder, 'stream-1.pcapng');
    const progress: number[] = [];
    const count = await exportStreamsAsPcapng(capture, [1], output, { totalFrames: 17, onProgress: (_, fraction) => progress.push(fraction) });
    assert.equal(fs.readFileSync(output).readUInt32LE(0), 0x0a0d0d0a, 'a pcapng section header block');
    const expected = packets(capture, 'tcp.stream eq 1');
    assert.ok(expected.length > 0);
    assert.deepEqual(packets(output), expected);
    assert.equal(count, expected.length);
    assert.equal(progress.length, count, 'one progress step per packet written');
    assert.ok(progress.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > progress[i - 1])), `progress ${progress.join(',')}`);
    assert.deepEqual(fs.readdirSync(folder), ['stream-1.pcapng'], 'no temporary file left');
  });

  it('several conversations of a real capture, with no others', async () => {
    const capture = path.join(sharedCapturesDir(), 'zeek--http-desync-request-response-5.pcap');
    const all = tshark(['-r', capture, '-T', 'fields', '-e', 'tcp.stream']).split('\n').filter(Boolean);
    const streams = [...new Set(all)].map(Number);
    assert.ok(streams.length >= 2, 'the capture has several TCP streams');
    const output = path.join(folder, 'both.pcapng');
    await exportStreamsAsPcapng(capture, streams, output);
    assert.deepEqual(packets(output), packets(capture, 'tcp'));
    const one = path.join(folder, 'one.pcapng');
    await exportStreamsAsPcapng(capture, [streams[1]], one);
    assert.deepEqual(packets(one), packets(capture, `tcp.stream eq ${streams[1]}`));
  });

  it('fails with a sentence for a stream with no packets, and leaves nothing behind', async () => {
    const output = path.join(folder, 'none.pcapng');
    await assert.rejects(exportStreamsAsPcapng(sample('incident-wrong.pcapng'), [42], output), /has no packets in TCP stream 42/);
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('says how to get tshark when it is missing', async () => {
    const output = path.join(folder, 'x.pcapng');
    await assert.rejects(exportStreamsAsPcapng(sample('incident-wrong.pcapng'), [0], output, { tsharkPath: path.join(folder, 'no-tshark-here') }), /tshark was not found/);
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('refuses to write over the capture it reads', async () => {
    const copy = path.join(folder, 'copy.pcapng');
    fs.copyFileSync(sample('incident-wrong.pcapng'), copy);
    await assert.rejects(exportStreamsAsPcapng(copy, [0], copy), /is the capture being read/);
  });

  it('a cancelled export kills tshark and keeps an existing file intact', async () => {
    const output = path.join(folder, 'existing.pcapng');
    fs.writeFileSync(output, 'keep me');
    const controller = new AbortController();
    const running = exportStreamsAsPcapng(sample('tls-h2-grpc.pcapng'), [0], output, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(running, /cancelled/);
    assert.equal(fs.readFileSync(output, 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(folder), ['existing.pcapng']);
  });
});
