/**
 * Synthetic TCP frames, byte-exact, for the benchmark's generated captures and the capture
 * tests: Ethernet (optionally VLAN-tagged), Linux cooked v1/v2, raw IP, BSD loopback; IPv4 or
 * IPv6; TCP with options, real checksums. No network is involved: frames are written to files.
 */

export type LinkKind = 'ethernet' | 'sll' | 'sll2' | 'raw' | 'null' | 'loop' | 'ipv4' | 'ipv6';

/** LINKTYPE_* of each kind. */
export const LINK_TYPE: Record<LinkKind, number> = { ethernet: 1, sll: 113, sll2: 276, raw: 101, null: 0, loop: 108, ipv4: 228, ipv6: 229 };

export interface TcpFrameSpec {
  readonly src: { readonly address: string; readonly port: number };
  readonly dst: { readonly address: string; readonly port: number };
  readonly seq: number;
  readonly ack?: number;
  readonly flags: number;
  readonly window?: number;
  readonly payload?: Uint8Array;
  /** Raw TCP option bytes (padded to 4 here). */
  readonly options?: Uint8Array;
  readonly link?: LinkKind;
  /** 802.1Q tags, outermost first (Ethernet only). */
  readonly vlans?: readonly number[];
  /** Bytes appended after the IP packet (Ethernet padding, an FCS). */
  readonly trailer?: Uint8Array;
  /** IPv4 identification (default 0). */
  readonly ipId?: number;
}

export const Flag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** Window scale option (kind 3) with NOP padding, as a SYN carries it. */
export function windowScaleOption(shift: number): Uint8Array {
  return Uint8Array.of(1, 3, 3, shift);
}

export function parseIpv4(text: string): number[] {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 address ${text}`);
  return parts;
}

export function parseIpv6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  if (all.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function checksumAdd(sum: number, buf: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

function checksumFold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

function linkHeaderLength(link: LinkKind, vlans: number): number {
  switch (link) {
    case 'ethernet':
      return 14 + 4 * vlans;
    case 'sll':
      return 16;
    case 'sll2':
      return 20;
    case 'null':
    case 'loop':
      return 4;
    default:
      return 0;
  }
}

/** Length in bytes of the frame `writeTcpFrame` writes for `spec`. */
export function tcpFrameLength(spec: TcpFrameSpec): number {
  const v6 = spec.src.address.includes(':');
  const options = spec.options ? Math.ceil(spec.options.length / 4) * 4 : 0;
  return linkHeaderLength(spec.link ?? 'ethernet', spec.vlans?.length ?? 0) + (v6 ? 40 : 20) + 20 + options + (spec.payload?.length ?? 0) + (spec.trailer?.length ?? 0);
}

/** Writes one frame into `out` at `at`; returns the offset after it. */
export function writeTcpFrame(out: Uint8Array, at: number, spec: TcpFrameSpec): number {
  const link = spec.link ?? 'ethernet';
  const v6 = spec.src.address.includes(':');
  const etherType = v6 ? 0x86dd : 0x0800;
  const put16 = (o: number, v: number) => {
    out[o] = v >> 8;
    out[o + 1] = v & 0xff;
  };
  const put32 = (o: number, v: number) => {
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  };
  let p = at;
  switch (link) {
    case 'ethernet': {
      out.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], p);
      p += 12;
      for (const vlan of spec.vlans ?? []) {
        put16(p, 0x8100);
        put16(p + 2, vlan & 0x0fff);
        p += 4;
      }
      put16(p, etherType);
      p += 2;
      break;
    }
    case 'sll':
      put16(p, 0); // packet type: to us
      put16(p + 2, 1); // ARPHRD_ETHER
      put16(p + 4, 6);
      out.set([0x02, 0, 0, 0, 0, 0x01, 0, 0], p + 6);
      put16(p + 14, etherType);
      p += 16;
      break;
    case 'sll2':
      put16(p, etherType);
      put16(p + 2, 0);
      put32(p + 4, 2); // interface index
      put16(p + 8, 1); // ARPHRD_ETHER
      out[p + 10] = 0;
      out[p + 11] = 6;
      out.set([0x02, 0, 0, 0, 0, 0x01, 0, 0], p + 12);
      p += 20;
      break;
    case 'null': {
      // Host byte order of the capturing machine: little-endian here.
      const family = v6 ? 30 : 2;
      out[p] = family;
      out[p + 1] = 0;
      out[p + 2] = 0;
      out[p + 3] = 0;
      p += 4;
      break;
    }
    case 'loop':
      put32(p, v6 ? 24 : 2);
      p += 4;
      break;
    default:
      break;
  }
  const options = spec.options ? Math.ceil(spec.options.length / 4) * 4 : 0;
  const tcpLength = 20 + options + (spec.payload?.length ?? 0);
  let src: number[];
  let dst: number[];
  if (v6) {
    src = parseIpv6(spec.src.address);
    dst = parseIpv6(spec.dst.address);
    put32(p, 0x60000000);
    put16(p + 4, tcpLength);
    out[p + 6] = 6;
    out[p + 7] = 64;
    out.set(src, p + 8);
    out.set(dst, p + 24);
    p += 40;
  } else {
    src = parseIpv4(spec.src.address);
    dst = parseIpv4(spec.dst.address);
    out[p] = 0x45;
    out[p + 1] = 0;
    put16(p + 2, 20 + tcpLength);
    put16(p + 4, spec.ipId ?? 0);
    put16(p + 6, 0x4000); // don't fragment
    out[p + 8] = 64;
    out[p + 9] = 6;
    put16(p + 10, 0);
    out.set(src, p + 12);
    out.set(dst, p + 16);
    put16(p + 10, checksumFold(checksumAdd(0, out, p, p + 20)));
    p += 20;
  }
  const tcp = p;
  put16(p, spec.src.port);
  put16(p + 2, spec.dst.port);
  put32(p + 4, spec.seq >>> 0);
  put32(p + 8, (spec.ack ?? 0) >>> 0);
  put16(p + 12, (((20 + options) / 4) << 12) | spec.flags);
  put16(p + 14, spec.window ?? 65535);
  put16(p + 16, 0);
  put16(p + 18, 0);
  p += 20;
  if (spec.options) {
    out.set(spec.options, p);
    out.fill(0, p + spec.options.length, p + options);
    p += options;
  }
  if (spec.payload) {
    out.set(spec.payload, p);
    p += spec.payload.length;
  }
  // TCP checksum over the pseudo-header and the segment.
  let sum = checksumAdd(0, out, tcp, p);
  for (let i = 0; i < src.length; i += 2) sum += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
  sum += 6 + tcpLength;
  put16(tcp + 16, checksumFold(sum));
  if (spec.trailer) {
    out.set(spec.trailer, p);
    p += spec.trailer.length;
  }
  return p;
}

export function buildTcpFrame(spec: TcpFrameSpec): Uint8Array {
  const out = new Uint8Array(tcpFrameLength(spec));
  writeTcpFrame(out, 0, spec);
  return out;
}
