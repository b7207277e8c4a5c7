/**
 * Finds the TCP header in one captured frame, for the link types the direct reader supports:
 * Ethernet (with 802.1Q/802.1ad VLAN tags and LLC/SNAP), Linux cooked capture v1 and v2, raw IP,
 * and BSD/OpenBSD loopback; IPv4 (options) and IPv6 (extension headers); IP-in-IP tunnels.
 * ICMP errors quote a TCP header, but tshark gives the quote no `tcp.stream` (checked on 4.0.17): not TCP.
 *
 * Every frame gets one of three answers. `TCP`: the segment's facts are in the `DecodedTcp`
 * passed in. `NOT_TCP`: tshark would not see TCP here either (ARP, UDP, ICMP echo, …).
 * `UNSUPPORTED`: tshark might see TCP where we cannot follow (IP fragments it reassembles, GRE,
 * VXLAN, MPLS, a cut-off TCP header, unknown ether types):
 * the caller then lets tshark read the whole file, so the direct reader is never silently wrong.
 */

export const enum Decoded {
  TCP = 0,
  NOT_TCP = 1,
  UNSUPPORTED = 2,
}

/** LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) the direct reader decodes. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const SUPPORTED_LINK_TYPES = new Set<number>(Object.values(LinkType));

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED_LINK_TYPES.has(linkType);
}

/** The facts of one TCP segment, written in place (one object reused for every frame). */
export interface DecodedTcp {
  ipVersion: 4 | 6;
  /** Offsets in the frame buffer of the innermost IP header's source and destination address. */
  srcAddress: number;
  dstAddress: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The 12 flag bits as tshark's `tcp.flags` has them (FIN 0x01 … NS 0x100). */
  flags: number;
  /** The window field as sent (not scaled). */
  window: number;
  /** The window scale option's shift count, or -1 when the segment carries none. */
  windowScale: number;
  payloadStart: number;
  payloadLength: number;
  /** Why the frame was UNSUPPORTED (only set then). */
  reason: string;
}

export function newDecodedTcp(): DecodedTcp {
  return { ipVersion: 4, srcAddress: 0, dstAddress: 0, srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, windowScale: -1, payloadStart: 0, payloadLength: 0, reason: '' };
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TYPES = new Set([0x8100, 0x88a8, 0x9100, 0x9200]);
/** Ether types that carry no TCP tshark could find (ARP, LLDP, EAPOL, PTP, …). */
const NON_IP_ETHERTYPES = new Set([
  0x0806, 0x8035, 0x88cc, 0x888e, 0x8809, 0x88f7, 0x9000, 0x8137, 0x809b, 0x80f3, 0x8863, 0x8906, 0x8914, 0x88e5, 0x893a, 0x8899,
  0x88b5, 0x88b6, 0x88b7, 0x88ca, 0x8902, 0x22f0, 0x22ea,
]);

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
/** IP protocols that tunnel frames tshark dissects down to TCP (GRE, AH, EtherIP, L2TPv3, MPLS-in-IP, …). */
const TUNNEL_PROTOCOLS = new Set([47, 51, 94, 97, 98, 115, 137, 143]);
/** UDP ports tshark decodes as tunnels by default (VXLAN, Geneve, GTP-U, Teredo, L2TP, LISP, CAPWAP data). */
const UDP_TUNNEL_PORTS = new Set([4789, 8472, 6081, 2152, 3544, 1701, 4341, 5247]);
/** IPv6 extension headers we step over; the fragment header (44) is handled apart. */
const IPV6_EXTENSIONS = new Set([0, 43, 60, 135, 139, 140]);

function unsupported(out: DecodedTcp, reason: string): Decoded {
  out.reason = reason;
  return Decoded.UNSUPPORTED;
}

/** Decodes the frame `buf[start, end)` captured with `linkType`. */
export function decodeFrame(linkType: number, buf: Uint8Array, start: number, end: number, out: DecodedTcp): Decoded {
  switch (linkType) {
    case LinkType.ETHERNET:
      if (end - start < 14) return Decoded.NOT_TCP;
      return decodeEtherType(be16(buf, start + 12), buf, start + 14, end, out);
    case LinkType.LINUX_SLL: {
      if (end - start < 16) return Decoded.NOT_TCP;
      const hatype = be16(buf, start + 2);
      if (hatype === 824) return Decoded.NOT_TCP; // netlink
      if (hatype === 778 || hatype === 768 || hatype === 776) return unsupported(out, `Linux cooked capture of a tunnel device (ARPHRD ${hatype})`);
      return decodeEtherType(be16(buf, start + 14), buf, start + 16, end, out);
    }
    case LinkType.LINUX_SLL2: {
      if (end - start < 20) return Decoded.NOT_TCP;
      const hatype = be16(buf, start + 8);
      if (hatype === 824) return Decoded.NOT_TCP;
      if (hatype === 778 || hatype === 768 || hatype === 776) return unsupported(out, `Linux cooked capture of a tunnel device (ARPHRD ${hatype})`);
      return decodeEtherType(be16(buf, start), buf, start + 20, end, out);
    }
    case LinkType.RAW:
      return decodeIp(buf, start, end, out, 0);
    case LinkType.IPV4:
      return decodeIpv4(buf, start, end, out, 0);
    case LinkType.IPV6:
      return decodeIpv6(buf, start, end, out, 0);
    case LinkType.NULL: {
      if (end - start < 4) return Decoded.NOT_TCP;
      // The family is in the capturing host's byte order: a value with high bytes set was big-endian.
      let family = buf[start] | (buf[start + 1] << 8) | (buf[start + 2] << 16) | (buf[start + 3] << 24);
      if ((family & 0xffff0000) !== 0) family = be32(buf, start);
      return decodeLoopbackFamily(family >>> 0, buf, start + 4, end, out);
    }
    case LinkType.LOOP:
      if (end - start < 4) return Decoded.NOT_TCP;
      return decodeLoopbackFamily(be32(buf, start), buf, start + 4, end, out);
    default:
      return unsupported(out, `link type ${linkType}`);
  }
}

function decodeLoopbackFamily(family: number, buf: Uint8Array, start: number, end: number, out: DecodedTcp): Decoded {
  if (family === 2) return decodeIpv4(buf, start, end, out, 0);
  if (family === 24 || family === 28 || family === 30 || family === 10) return decodeIpv6(buf, start, end, out, 0);
  return unsupported(out, `loopback address family ${family}`);
}

function decodeEtherType(etherType: number, buf: Uint8Array, start: number, end: number, out: DecodedTcp): Decoded {
  // VLAN tags (possibly stacked): TCI, then the next ether type.
  while (VLAN_TYPES.has(etherType)) {
    if (end - start < 4) return Decoded.NOT_TCP;
    etherType = be16(buf, start + 2);
    start += 4;
  }
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(buf, start, end, out, 0);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(buf, start, end, out, 0);
  if (etherType <= 1500) {
    // IEEE 802.3 length field: LLC follows; only SNAP with a zero OUI carries an ether type.
    if (end - start < 8) return Decoded.NOT_TCP;
    if (buf[start] === 0xaa && buf[start + 1] === 0xaa && buf[start + 2] === 0x03) {
      if (buf[start + 3] === 0 && buf[start + 4] === 0 && buf[start + 5] === 0) return decodeEtherType(be16(buf, start + 6), buf, start + 8, end, out);
      return unsupported(out, 'LLC/SNAP with a vendor OUI');
    }
    if (buf[start] === 0x06 || buf[start] === 0x98 || buf[start] === 0xe0) return unsupported(out, 'IP or IPX over 802.2 LLC');
    return Decoded.NOT_TCP;
  }
  if (NON_IP_ETHERTYPES.has(etherType)) return Decoded.NOT_TCP;
  return unsupported(out, `ether type 0x${etherType.toString(16).padStart(4, '0')}`);
}

function decodeIp(buf: Uint8Array, start: number, end: number, out: DecodedTcp, depth: number): Decoded {
  if (end - start < 1) return Decoded.NOT_TCP;
  const version = buf[start] >> 4;
  if (version === 4) return decodeIpv4(buf, start, end, out, depth);
  if (version === 6) return decodeIpv6(buf, start, end, out, depth);
  return Decoded.NOT_TCP;
}

function decodeIpv4(buf: Uint8Array, start: number, end: number, out: DecodedTcp, depth: number): Decoded {
  if (end - start < 20 || buf[start] >> 4 !== 4) return Decoded.NOT_TCP;
  const headerLength = (buf[start] & 0x0f) * 4;
  if (headerLength < 20) return Decoded.NOT_TCP;
  if (end - start < headerLength) return unsupported(out, 'IPv4 header cut short by the snap length');
  const totalLength = be16(buf, start + 2);
  // Total length 0: TCP segmentation offload on the capturing host; the frame length is the truth.
  let ipEnd = totalLength === 0 ? end : start + totalLength;
  if (totalLength !== 0 && totalLength < headerLength) return Decoded.NOT_TCP;
  if (ipEnd > end) ipEnd = end; // cut by the snap length: only the captured bytes exist
  const protocol = buf[start + 9];
  const fragment = be16(buf, start + 6) & 0x3fff; // MF flag and offset
  const payload = start + headerLength;
  if (fragment !== 0) {
    if (protocol === IPPROTO_TCP || protocol === IPPROTO_IPIP || protocol === IPPROTO_IPV6 || TUNNEL_PROTOCOLS.has(protocol)) {
      return unsupported(out, 'fragmented IPv4 (tshark reassembles it)');
    }
    return Decoded.NOT_TCP;
  }
  return decodeTransport(4, protocol, start + 12, start + 16, buf, payload, ipEnd, end, out, depth);
}

function decodeIpv6(buf: Uint8Array, start: number, end: number, out: DecodedTcp, depth: number): Decoded {
  if (end - start < 40 || buf[start] >> 4 !== 6) return Decoded.NOT_TCP;
  const payloadLength = be16(buf, start + 4);
  let ipEnd = payloadLength === 0 ? end : start + 40 + payloadLength; // 0: jumbogram or TSO
  if (ipEnd > end) ipEnd = end;
  let next = buf[start + 6];
  let at = start + 40;
  for (let hops = 0; hops < 16; hops++) {
    if (next === 44) return unsupported(out, 'fragmented IPv6 (tshark reassembles it)');
    if (!IPV6_EXTENSIONS.has(next)) break;
    if (ipEnd - at < 8) return Decoded.NOT_TCP;
    const length = (buf[at + 1] + 1) * 8;
    next = buf[at];
    at += length;
  }
  return decodeTransport(6, next, start + 8, start + 24, buf, at, ipEnd, end, out, depth);
}

function decodeTransport(
  ipVersion: 4 | 6,
  protocol: number,
  srcAddress: number,
  dstAddress: number,
  buf: Uint8Array,
  start: number,
  ipEnd: number,
  frameEnd: number,
  out: DecodedTcp,
  depth: number,
): Decoded {
  if (protocol === IPPROTO_TCP) return decodeTcp(ipVersion, srcAddress, dstAddress, buf, start, ipEnd, out);
  if (protocol === IPPROTO_IPIP || protocol === IPPROTO_IPV6) {
    if (depth >= 4) return unsupported(out, 'IP-in-IP nested too deep');
    return protocol === IPPROTO_IPIP ? decodeIpv4(buf, start, Math.min(ipEnd, frameEnd), out, depth + 1) : decodeIpv6(buf, start, Math.min(ipEnd, frameEnd), out, depth + 1);
  }
  if (protocol === IPPROTO_UDP) {
    if (ipEnd - start < 8) return Decoded.NOT_TCP;
    if (UDP_TUNNEL_PORTS.has(be16(buf, start)) || UDP_TUNNEL_PORTS.has(be16(buf, start + 2))) return unsupported(out, 'a UDP tunnel (VXLAN, Geneve, GTP, …)');
    return Decoded.NOT_TCP;
  }
  if (TUNNEL_PROTOCOLS.has(protocol)) return unsupported(out, `IP protocol ${protocol} (a tunnel)`);
  return Decoded.NOT_TCP;
}

function decodeTcp(ipVersion: 4 | 6, srcAddress: number, dstAddress: number, buf: Uint8Array, start: number, ipEnd: number, out: DecodedTcp): Decoded {
  if (ipEnd - start < 20) return unsupported(out, 'a TCP header cut short');
  const headerLength = (buf[start + 12] >> 4) * 4;
  if (headerLength < 20 || ipEnd - start < headerLength) return unsupported(out, 'a bogus or cut-off TCP header length');
  out.ipVersion = ipVersion;
  out.srcAddress = srcAddress;
  out.dstAddress = dstAddress;
  out.srcPort = be16(buf, start);
  out.dstPort = be16(buf, start + 2);
  out.seq = be32(buf, start + 4);
  out.ack = be32(buf, start + 8);
  out.flags = be16(buf, start + 12) & 0x0fff;
  out.window = be16(buf, start + 14);
  out.windowScale = out.flags & 0x02 ? windowScaleOption(buf, start + 20, start + headerLength) : -1;
  out.payloadStart = start + headerLength;
  out.payloadLength = ipEnd - out.payloadStart;
  return Decoded.TCP;
}

/** The shift count of a window scale option (kind 3), or -1. */
function windowScaleOption(buf: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const kind = buf[at];
    if (kind === 0) return -1;
    if (kind === 1) {
      at++;
      continue;
    }
    if (at + 1 >= end) return -1;
    const length = buf[at + 1];
    if (length < 2) return -1;
    if (kind === 3 && length === 3 && at + 2 < end) return buf[at + 2];
    at += length;
  }
  return -1;
}

function be16(buf: Uint8Array, at: number): number {
  return (buf[at] << 8) | buf[at + 1];
}

function be32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/** An address as tshark prints it: dotted quad, or RFC 5952 IPv6 text. */
export function addressText(ipVersion: 4 | 6, buf: Uint8Array, at: number): string {
  if (ipVersion === 4) return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(be16(buf, at + i * 2));
  // IPv4-mapped and -compatible forms are printed with a dotted quad tail, as inet_ntop does.
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || (groups[5] === 0 && (groups[6] !== 0 || groups[7] > 1)))) {
    const tail = `${buf[at + 12]}.${buf[at + 13]}.${buf[at + 14]}.${buf[at + 15]}`;
    return groups[5] === 0xffff ? `::ffff:${tail}` : `::${tail}`;
  }
  // The longest run (2 or more) of zero groups becomes "::" (the first such run on a tie).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
