import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TcpFlag, type TcpSegment } from '../../../server/src/tshark/tcpSegment';
import { TsharkError } from '../../../server/src/tshark/tsharkError';
import { parseEkLine, TsharkCaptureSource, tsharkVersion } from '../../../server/src/tshark/tsharkRunner';
import { sample, text, tshark } from '../helpers';

function ek(layers: Record<string, string[]>): string {
  return JSON.stringify({ timestamp: '1795640879720', layers });
}

const BASE = {
  frame_number: ['4'],
  frame_time_epoch: ['1795640879.720042367'],
  frame_cap_len: ['231'],
  tcp_stream: ['0'],
  ip_src: ['127.0.0.1'],
  ip_dst: ['127.0.0.2'],
  tcp_srcport: ['41630'],
  tcp_dstport: ['39779'],
  tcp_seq_raw: ['4169947633'],
  tcp_flags: ['0x0018'],
  tcp_window_size: ['65536'],
  tcp_payload: ['474554'],
};

async function collect(source: TsharkCaptureSource, signal?: AbortSignal): Promise<TcpSegment[]> {
  const out: TcpSegment[] = [];
  for await (const s of source.segments(signal)) out.push(s);
  return out;
}

describe('parseEkLine', () => {
  it('maps every field of a TCP packet', () => {
    const s = parseEkLine(ek(BASE));
    assert.ok(s);
    assert.deepEqual(
      { ...s, payload: text(s.payload) },
      {
        frame: 4,
        time: 1795640879.720042367,
        stream: 0,
        src: { address: '127.0.0.1', port: 41630 },
        dst: { address: '127.0.0.2', port: 39779 },
        seq: 4169947633,
        flags: TcpFlag.PSH | TcpFlag.ACK,
        window: 65536,
        payload: 'GET',
        capturedLength: 231,
      },
    );
  });

  it('index lines and non-TCP packets are not segments', () => {
    assert.equal(parseEkLine('{"index":{"_index":"packets-2026-11-25","_type":"doc"}}'), undefined);
    assert.equal(parseEkLine(''), undefined);
    assert.equal(parseEkLine(ek({ frame_number: ['1'], ip_src: ['10.0.0.1'] })), undefined);
  });

  it('IPv6 addresses', () => {
    const { ip_src: _s, ip_dst: _d, ...rest } = BASE;
    const s = parseEkLine(ek({ ...rest, ipv6_src: ['2001:db8::1'], ipv6_dst: ['::1'] }));
    assert.deepEqual([s?.src.address, s?.dst.address], ['2001:db8::1', '::1']);
  });

  it('tunnels: the innermost (last) IP header carries the segment', () => {
    const s = parseEkLine(ek({ ...BASE, ip_src: ['203.0.113.1', '10.1.1.1'], ip_dst: ['203.0.113.2', '10.2.2.2'] }));
    assert.deepEqual([s?.src.address, s?.dst.address], ['10.1.1.1', '10.2.2.2']);
  });

  it('payload hex with or without colons; no payload is an empty segment', () => {
    assert.equal(text(parseEkLine(ek({ ...BASE, tcp_payload: ['48:54:54:50:2f'] }))!.payload), 'HTTP/');
    assert.deepEqual([...parseEkLine(ek({ ...BASE, tcp_payload: ['00ff0d0a'] }))!.payload], [0x00, 0xff, 0x0d, 0x0a]);
    const { tcp_payload: _p, ...noPayload } = BASE;
    assert.equal(parseEkLine(ek(noPayload))!.payload.length, 0);
  });

  it('flags are hex; SYN+ACK and FIN+ACK', () => {
    assert.equal(parseEkLine(ek({ ...BASE, tcp_flags: ['0x0012'] }))!.flags, TcpFlag.SYN | TcpFlag.ACK);
    assert.equal(parseEkLine(ek({ ...BASE, tcp_flags: ['0x0011'] }))!.flags, TcpFlag.FIN | TcpFlag.ACK);
    assert.equal(parseEkLine(ek({ ...BASE, tcp_flags: ['0x0004'] }))!.flags, TcpFlag.RST);
  });

  it('sequence numbers above 2^31 stay unsigned', () => {
    assert.equal(parseEkLine(ek({ ...BASE, tcp_seq_raw: ['4294967295'] }))!.seq, 4294967295);
  });
});

describe('TsharkCaptureSource (real tshark)', () => {
  it('yields the capture\'s TCP segments in frame order', async () => {
    const segments = await collect(new TsharkCaptureSource(sample('incident-wrong.pcapng')));
    assert.deepEqual(segments.map((s) => s.frame), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(segments[0].flags & TcpFlag.SYN, TcpFlag.SYN);
    assert.ok(text(segments[3].payload).startsWith('POST /wrong HTTP/1.1\r\n'));
  });

  it('a missing tshark binary is a not-found TsharkError naming the setting', async () => {
    await assert.rejects(
      collect(new TsharkCaptureSource(sample('incident-wrong.pcapng'), { tsharkPath: '/nonexistent/bin/tshark' })),
      (error: unknown) => error instanceof TsharkError && error.failure === 'not-found' && /wirelens\.tsharkPath/.test(error.message),
    );
    await assert.rejects(tsharkVersion({ tsharkPath: '/nonexistent/bin/tshark' }), (e: unknown) => e instanceof TsharkError && e.failure === 'not-found');
  });

  it('a file that is not a capture is a not-a-capture TsharkError', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-test-'));
    try {
      const file = path.join(dir, 'notes.txt');
      fs.writeFileSync(file, 'These are meeting notes, not packets.\n');
      await assert.rejects(collect(new TsharkCaptureSource(file)), (e: unknown) => e instanceof TsharkError && e.failure === 'not-a-capture');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a capture cut short keeps the segments read and reports a warning', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-test-'));
    try {
      // A real capture truncated mid-packet at run time (not a stored binary fixture).
      const whole = fs.readFileSync(sample('incident-wrong.pcapng'));
      const file = path.join(dir, 'cut.pcapng');
      fs.writeFileSync(file, whole.subarray(0, whole.length - 200));
      // tshark itself exits 2 here, after printing the packets it could read.
      const listed = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
      assert.equal(listed.status, 2);
      const expected = listed.stdout.split('\n').filter(Boolean).length;
      const warnings: string[] = [];
      const segments = await collect(new TsharkCaptureSource(file, { onWarning: (w) => warnings.push(w) }));
      assert.ok(expected > 0 && expected < 10);
      assert.equal(segments.length, expected);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /cut short/);
      assert.match(warnings[0], /partial/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an aborted signal ends the read with a cancelled TsharkError', async () => {
    // Aborted up front: aborting after the first line would race tshark's exit on a small file.
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      collect(new TsharkCaptureSource(sample('incident-wrong.pcapng')), controller.signal),
      (e: unknown) => e instanceof TsharkError && e.failure === 'cancelled',
    );
  });

  it('tsharkVersion reports the installed version', async () => {
    const version = await tsharkVersion();
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.ok(tshark(['--version']).includes(`TShark (Wireshark) ${version}`));
  });
});
