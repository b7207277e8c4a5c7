/**
 * LiveAnalysis against the whole-capture analysis: segments (real tshark output of every sample
 * and corpus capture) are fed one at a time with an update after each; when the capture ends,
 * the live view must be exactly what analyzeSegments gives for the file, and every finding must
 * have been reported once on the way.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Endpoint, Finding } from '../../../protocol/model';
import { analyzeSegments } from '../../../server/src/analysis/analyzeCapture';
import { LiveAnalysis } from '../../../server/src/analysis/liveAnalysis';
import { TcpFlag, type PacketSource, type TcpSegment } from '../../../server/src/tshark/tcpSegment';
import { TsharkCaptureSource } from '../../../server/src/tshark/tsharkRunner';
import { REPO_ROOT } from '../../live/support';

async function readSegments(file: string): Promise<TcpSegment[]> {
  const segments: TcpSegment[] = [];
  for await (const segment of new TsharkCaptureSource(file).segments()) segments.push(segment);
  return segments;
}

function listSource(segments: readonly TcpSegment[]): PacketSource {
  return {
    async *segments() {
      yield* segments;
    },
  };
}

const key = (f: Finding) => `${f.ruleId}|${f.stream}|${f.direction}|${f.offset}|${f.length}`;

function captures(): string[] {
  const samples = path.join(REPO_ROOT, 'samples');
  const shared = process.env.WIRELENS_SHARED_CAPTURES || path.resolve(REPO_ROOT, '..', 'shared', 'captures');
  if (!fs.existsSync(shared)) throw new Error(`Shared captures not found at ${shared}: set WIRELENS_SHARED_CAPTURES.`);
  const list = (dir: string, ext: string) => fs.readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f));
  return [...list(samples, '.pcapng'), ...list(shared, '.pcap')];
}

describe('LiveAnalysis', () => {
  describe('ends where the file analysis is, on every capture', () => {
    for (const file of captures()) {
      it(path.basename(file), async function () {
        this.timeout(60_000);
        const segments = await readSegments(file);
        const batch = await analyzeSegments(listSource(segments), 0);
        const live = new LiveAnalysis();
        const reported: string[] = [];
        // An update after every segment for small captures; every few for large ones (bounded time).
        const every = Math.max(1, Math.ceil(segments.length / 3000));
        segments.forEach((segment, index) => {
          live.add(segment);
          if (index % every === 0) for (const { finding } of live.update().newFindings) reported.push(key(finding));
        });
        for (const { finding } of live.update({ final: true }).newFindings) reported.push(key(finding));

        const expected = [...batch.streams.values()];
        assert.deepEqual([...live.streams().keys()], expected.map((s) => s.connection.stream));
        assert.deepEqual(live.findings(), expected.flatMap((s) => s.findings));
        assert.equal(live.packets, batch.packets);
        assert.equal(live.conversationCount, batch.streams.size);
        assert.equal(new Set(reported).size, reported.length, 'each finding is reported once');
        for (const finding of live.findings()) assert.ok(reported.includes(key(finding)), `never reported: ${key(finding)}`);
      });
    }
  });

  it('reports the incident finding with the capture time of the packet that completed the response', async () => {
    const segments = await readSegments(path.join(REPO_ROOT, 'samples', 'incident-wrong.pcapng'));
    const live = new LiveAnalysis();
    const response = segments.find((s) => Buffer.from(s.payload).toString('latin1').startsWith('HTTP/1.1 200'));
    assert.ok(response);
    for (const segment of segments) {
      live.add(segment);
      const { newFindings } = live.update({ now: 5 });
      if (segment.frame < response.frame) assert.deepEqual(newFindings, [], `nothing before frame ${response.frame}`);
      if (segment.frame === response.frame) {
        assert.equal(newFindings.length, 1);
        assert.equal(newFindings[0].finding.ruleId, 'duplicate-transfer-encoding');
        assert.equal(newFindings[0].packetTime, response.time);
        assert.equal(newFindings[0].foundAt, 5);
      }
    }
  });

  it('holds back findings on a message that is still arriving, and reports them at the end', () => {
    const client: Endpoint = { address: '192.0.2.1', port: 50000 };
    const server: Endpoint = { address: '192.0.2.2', port: 80 };
    const segment = (frame: number, seq: number, data: string, flags: number = TcpFlag.ACK | TcpFlag.PSH): TcpSegment => ({
      frame,
      time: 100 + frame,
      stream: 0,
      src: client,
      dst: server,
      seq,
      flags,
      window: 1000,
      payload: Uint8Array.from(Buffer.from(data, 'latin1')),
      capturedLength: 54 + data.length,
    });
    const live = new LiveAnalysis();
    live.add(segment(1, 999, '', TcpFlag.SYN));
    live.add(segment(2, 1000, 'POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 10\r\n\r\nabc'));
    assert.deepEqual(live.update().newFindings, [], 'a body still arriving is not an incomplete message yet');
    assert.equal(live.findingCount, 0);
    assert.equal(live.conversations()[0].exchanges[0].method, 'POST', 'the conversation row is there already');
    const final = live.update({ final: true }).newFindings.map(({ finding }) => finding.ruleId);
    assert.ok(final.includes('incomplete-message'), `the capture ended mid-body: ${final.join(', ')}`);
  });
});
