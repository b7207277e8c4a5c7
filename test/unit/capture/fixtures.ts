/**
 * Small synthetic captures for the capture-reader tests, written at run time (no stored binary
 * fixtures): every link type the direct reader supports, pcap in both byte orders and both
 * timestamp resolutions, pcapng with several sections and interfaces, and TCP situations that
 * decide tshark's stream numbers (port reuse, mid-stream starts, retransmissions).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTcpFrame, Flag, LINK_TYPE, windowScaleOption, type LinkKind, type TcpFrameSpec } from '../../../scripts/bench/packets';

export interface Frame {
  /** Seconds since the epoch. */
  readonly time: number;
  readonly bytes: Uint8Array;
  /** pcapng: interface index (default 0). */
  readonly iface?: number;
  /** Original length when the capture cut the frame (default: its length). */
  readonly originalLength?: number;
}

export function pcapBytes(linkType: number, frames: readonly Frame[], options: { bigEndian?: boolean; nanoseconds?: boolean; snapLength?: number } = {}): Buffer {
  const le = !options.bigEndian;
  const u32 = (buf: Buffer, v: number, at: number) => (le ? buf.writeUInt32LE(v >>> 0, at) : buf.writeUInt32BE(v >>> 0, at));
  const u16 = (buf: Buffer, v: number, at: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
  const header = Buffer.alloc(24);
  u32(header, options.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, options.snapLength ?? 262144, 16);
  u32(header, linkType, 20);
  const parts: Buffer[] = [header];
  for (const frame of frames) {
    const record = Buffer.alloc(16);
    const seconds = Math.floor(frame.time);
    const fraction = Math.round((frame.time - seconds) * (options.nanoseconds ? 1e9 : 1e6));
    u32(record, seconds, 0);
    u32(record, fraction, 4);
    u32(record, frame.bytes.length, 8);
    u32(record, frame.originalLength ?? frame.bytes.length, 12);
    parts.push(record, Buffer.from(frame.bytes));
  }
  return Buffer.concat(parts);
}

export interface PcapngSectionSpec {
  readonly littleEndian?: boolean;
  /** Link type and if_tsresol (default 6: microseconds) of each interface. */
  readonly interfaces: readonly { readonly linkType: number; readonly tsresol?: number }[];
  readonly frames: readonly (Frame & { readonly block?: 'epb' | 'spb' | 'opb' })[];
  /** Blocks that carry no packets, between the interfaces and the packets (name resolution, statistics). */
  readonly extraBlocks?: boolean;
}

function block(le: boolean, type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const total = 12 + padded.length;
  const out = Buffer.alloc(total);
  const u32 = (v: number, at: number) => (le ? out.writeUInt32LE(v >>> 0, at) : out.writeUInt32BE(v >>> 0, at));
  u32(type, 0);
  u32(total, 4);
  padded.copy(out, 8);
  u32(total, total - 4);
  return out;
}

export function pcapngBytes(sections: readonly PcapngSectionSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const section of sections) {
    const le = section.littleEndian !== false;
    const w32 = (buf: Buffer, v: number, at: number) => (le ? buf.writeUInt32LE(v >>> 0, at) : buf.writeUInt32BE(v >>> 0, at));
    const w16 = (buf: Buffer, v: number, at: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
    const shb = Buffer.alloc(16);
    w32(shb, 0x1a2b3c4d, 0);
    w16(shb, 1, 4);
    w16(shb, 0, 6);
    shb.fill(0xff, 8, 16);
    parts.push(block(le, 0x0a0d0d0a, shb));
    for (const iface of section.interfaces) {
      const idb = Buffer.alloc(8 + (iface.tsresol !== undefined ? 8 + 4 : 0));
      w16(idb, iface.linkType, 0);
      w32(idb, 262144, 4);
      if (iface.tsresol !== undefined) {
        w16(idb, 9, 8);
        w16(idb, 1, 10);
        idb[12] = iface.tsresol;
        // then opt_endofopt (4 zero bytes)
      }
      parts.push(block(le, 1, idb));
    }
    if (section.extraBlocks) {
      parts.push(block(le, 4, Buffer.alloc(4))); // empty name resolution block
      parts.push(block(le, 0x0bad, Buffer.from('wirelens-custom')));
    }
    for (const frame of section.frames) {
      const iface = frame.iface ?? 0;
      const resolution = section.interfaces[iface].tsresol ?? 6;
      const unit = resolution & 0x80 ? 2 ** -(resolution & 0x7f) : 10 ** -resolution;
      const ticks = BigInt(Math.round(frame.time / unit));
      const high = Number(ticks >> 32n);
      const low = Number(ticks & 0xffffffffn);
      const original = frame.originalLength ?? frame.bytes.length;
      if (frame.block === 'spb') {
        const body = Buffer.alloc(4);
        w32(body, original, 0);
        parts.push(block(le, 3, Buffer.concat([body, Buffer.from(frame.bytes)])));
      } else if (frame.block === 'opb') {
        const body = Buffer.alloc(20);
        w16(body, iface, 0);
        w32(body, high, 4);
        w32(body, low, 8);
        w32(body, frame.bytes.length, 12);
        w32(body, original, 16);
        parts.push(block(le, 2, Buffer.concat([body, Buffer.from(frame.bytes)])));
      } else {
        const body = Buffer.alloc(20);
        w32(body, iface, 0);
        w32(body, high, 4);
        w32(body, low, 8);
        w32(body, frame.bytes.length, 12);
        w32(body, original, 16);
        parts.push(block(le, 6, Buffer.concat([body, Buffer.from(frame.bytes)])));
      }
    }
  }
  return Buffer.concat(parts);
}

type Endpoint = { address: string; port: number };

/** Packets of one HTTP/1.1 exchange on a fresh connection: handshake, request, response, close. */
export function httpConnection(client: Endpoint, server: Endpoint, options: { isn?: number; serverIsn?: number; request?: string; response?: string; close?: 'fin' | 'rst' | 'none'; mss?: number; windowScale?: number } = {}): TcpFrameSpec[] {
  const isn = options.isn ?? 1000;
  const sisn = options.serverIsn ?? 500000;
  const request = Buffer.from(options.request ?? `GET /hello HTTP/1.1\r\nHost: ${server.address}\r\n\r\n`, 'latin1');
  const response = Buffer.from(options.response ?? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 'latin1');
  const mss = options.mss ?? 1448;
  const ws = options.windowScale;
  const out: TcpFrameSpec[] = [
    { src: client, dst: server, seq: isn, flags: Flag.SYN, window: 64240, options: ws === undefined ? undefined : windowScaleOption(ws) },
    { src: server, dst: client, seq: sisn, ack: isn + 1, flags: Flag.SYN | Flag.ACK, window: 65160, options: ws === undefined ? undefined : windowScaleOption(ws) },
    { src: client, dst: server, seq: isn + 1, ack: sisn + 1, flags: Flag.ACK, window: 502 },
  ];
  for (let at = 0; at < request.length; at += mss) {
    out.push({ src: client, dst: server, seq: isn + 1 + at, ack: sisn + 1, flags: Flag.ACK | Flag.PSH, window: 502, payload: request.subarray(at, at + mss) });
  }
  for (let at = 0; at < response.length; at += mss) {
    out.push({ src: server, dst: client, seq: sisn + 1 + at, ack: isn + 1 + request.length, flags: Flag.ACK | Flag.PSH, window: 509, payload: response.subarray(at, at + mss) });
  }
  const c = isn + 1 + request.length;
  const s = sisn + 1 + response.length;
  if ((options.close ?? 'fin') === 'fin') {
    out.push(
      { src: client, dst: server, seq: c, ack: s, flags: Flag.FIN | Flag.ACK, window: 502 },
      { src: server, dst: client, seq: s, ack: c + 1, flags: Flag.FIN | Flag.ACK, window: 509 },
      { src: client, dst: server, seq: c + 1, ack: s + 1, flags: Flag.ACK, window: 502 },
    );
  } else if (options.close === 'rst') {
    out.push({ src: client, dst: server, seq: c, ack: s, flags: Flag.RST | Flag.ACK, window: 0 });
  }
  return out;
}

/** Frames at 1 ms spacing from a base time. */
/** An HTTP connection carried in GRE over IPv4 (Ethernet): TCP the direct reader leaves to tshark. */
export function greFrames(): Frame[] {
  const inner = framesOf(httpConnection({ address: '10.0.0.1', port: 40000 }, { address: '10.0.0.2', port: 80 }), 'raw');
  return inner.map(({ time, bytes }) => {
    const outer = new Uint8Array(14 + 20 + 4 + bytes.length);
    outer.set([0x08, 0x00], 12);
    outer.set([0x45, 0, (20 + 4 + bytes.length) >> 8, (20 + 4 + bytes.length) & 0xff, 0, 0, 0x40, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2], 14);
    outer.set([0, 0, 0x08, 0x00], 34);
    outer.set(bytes, 38);
    return { time, bytes: outer };
  });
}

export function framesOf(specs: readonly TcpFrameSpec[], link: LinkKind = 'ethernet', start = 1764104640.25, extra: Partial<TcpFrameSpec> = {}): Frame[] {
  return specs.map((spec, i) => ({ time: start + i * 0.001, bytes: buildTcpFrame({ ...spec, link, ...extra }) }));
}

/** Interleaves several packet lists round-robin (connections open at the same time). */
export function interleave<T>(...lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const list of lists) if (i < list.length) out.push(list[i]);
  return out;
}

const C = (n: number, port = 40000 + n) => ({ address: `10.0.0.${n}`, port });
const S = { address: '10.0.1.1', port: 80 };
const C6 = (n: number) => ({ address: `2001:db8::${n.toString(16)}`, port: 50000 + n });
const S6 = { address: '2001:db8:0:1::80', port: 8080 };

/** One capture per thing the direct reader must get right, each written into `dir`. */
export function writeSyntheticCaptures(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: Record<string, Buffer> = {};
  const two = interleave(httpConnection(C(1), S), httpConnection(C(2), S, { isn: 7000, response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' }));
  for (const link of ['ethernet', 'sll', 'sll2', 'raw', 'null', 'loop', 'ipv4'] as const) {
    files[`link-${link}.pcap`] = pcapBytes(LINK_TYPE[link], framesOf(two, link));
  }
  files['link-ipv6.pcap'] = pcapBytes(LINK_TYPE.ipv6, framesOf(interleave(httpConnection(C6(1), S6), httpConnection(C6(2), S6, { isn: 9 })), 'ipv6'));
  files['ethernet-ipv6.pcap'] = pcapBytes(1, framesOf(interleave(httpConnection(C6(3), S6), httpConnection({ address: '::ffff:10.1.2.3', port: 1234 }, { address: '::1', port: 80 })), 'ethernet'));
  files['vlan.pcap'] = pcapBytes(1, [...framesOf(httpConnection(C(3), S), 'ethernet', 1764104640, { vlans: [100] }), ...framesOf(httpConnection(C(4), S), 'ethernet', 1764104641, { vlans: [200, 300] })]);
  files['big-endian-nanoseconds.pcap'] = pcapBytes(1, framesOf(two), { bigEndian: true, nanoseconds: true });
  // Ethernet padding after short frames, and a trailing FCS-like trailer: the IP length decides.
  files['ethernet-trailer.pcap'] = pcapBytes(1, framesOf(httpConnection(C(5), S), 'ethernet', 1764104640, { trailer: Uint8Array.of(0, 0, 0, 0, 0xde, 0xad) }));
  // Port reuse: the same 4-tuple again after FIN (new ISN → new stream), a retransmitted SYN (same stream),
  // the same ISN after close (same stream in 4.0), and a connection seen from its middle.
  const reuse = [
    ...httpConnection(C(6), S, { isn: 1000 }),
    ...httpConnection(C(6), S, { isn: 2000000 }),
    ...httpConnection(C(6), S, { isn: 2000000, close: 'rst' }),
    ...httpConnection(C(7), S).slice(3),
    { src: C(7), dst: S, seq: 999, flags: Flag.SYN },
    { src: S, dst: C(7), seq: 12345, flags: Flag.SYN },
  ];
  files['port-reuse.pcap'] = pcapBytes(1, framesOf(reuse));
  // Retransmissions and out-of-order segments, window scaling.
  const big = httpConnection(C(8), S, { response: 'HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n' + 'x'.repeat(4000), windowScale: 7 });
  const shuffled = [...big];
  [shuffled[5], shuffled[6]] = [shuffled[6], shuffled[5]];
  shuffled.splice(8, 0, big[5]);
  files['retransmission-window-scale.pcap'] = pcapBytes(1, framesOf(shuffled));
  // pcapng: two sections (the second big-endian), Ethernet and cooked interfaces, every packet block kind.
  files['multi-section.pcapng'] = pcapngBytes([
    {
      interfaces: [{ linkType: 1 }, { linkType: 113, tsresol: 9 }],
      extraBlocks: true,
      frames: [...framesOf(httpConnection(C(9), S)).map((f) => ({ ...f, iface: 0 })), ...framesOf(httpConnection(C(10), S), 'sll', 1764104641).map((f) => ({ ...f, iface: 1, block: 'opb' as const }))],
    },
    { littleEndian: false, interfaces: [{ linkType: 101, tsresol: 0x80 | 20 }], frames: framesOf(httpConnection(C(11), S), 'raw', 1764104642) },
    { interfaces: [{ linkType: 1 }], frames: framesOf(httpConnection(C(12), S)).map((f) => ({ ...f, block: 'spb' as const })) },
  ]);
  // One section, simple packet blocks (no timestamp) among enhanced ones: capinfos then gives no
  // first and last packet time, and neither does the index.
  files['simple-packet-blocks.pcapng'] = pcapngBytes([
    { interfaces: [{ linkType: 1 }], frames: framesOf(httpConnection(C(13), S), 'ethernet', 1764104650).map((f, i) => (i % 3 === 0 ? { ...f, block: 'spb' as const } : f)) },
  ]);
  return Object.entries(files).map(([name, bytes]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  });
}
