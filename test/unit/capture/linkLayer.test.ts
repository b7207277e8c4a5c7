import * as assert from 'node:assert/strict';
import { addressText, Decoded, decodeFrame, LinkType, newDecodedTcp } from '../../../server/src/capture/linkLayer';
import { buildTcpFrame, Flag, parseIpv6 } from '../../../scripts/bench/packets';

const client = { address: '10.0.0.1', port: 40000 };
const server = { address: '10.0.0.2', port: 80 };

function decode(linkType: number, frame: Uint8Array) {
  const out = newDecodedTcp();
  const outcome = decodeFrame(linkType, frame, 0, frame.length, out);
  return { outcome, out };
}

/** An Ethernet frame around an IPv4 packet with this protocol and payload. */
function ipv4Frame(protocol: number, payload: Uint8Array, flagsAndOffset = 0x4000): Uint8Array {
  const frame = new Uint8Array(14 + 20 + payload.length);
  frame.set([0x08, 0x00], 12);
  const ip = 14;
  frame[ip] = 0x45;
  frame[ip + 2] = (20 + payload.length) >> 8;
  frame[ip + 3] = (20 + payload.length) & 0xff;
  frame[ip + 6] = flagsAndOffset >> 8;
  frame[ip + 7] = flagsAndOffset & 0xff;
  frame[ip + 8] = 64;
  frame[ip + 9] = protocol;
  frame.set([10, 0, 0, 1, 10, 0, 0, 2], ip + 12);
  frame.set(payload, ip + 20);
  return frame;
}

describe('capture/linkLayer: decodeFrame', () => {
  it('finds the TCP segment behind Ethernet, two VLAN tags, IPv4', () => {
    const frame = buildTcpFrame({ src: client, dst: server, seq: 7, ack: 9, flags: Flag.ACK | Flag.PSH, window: 300, payload: Buffer.from('GET / HTTP/1.1\r\n\r\n'), vlans: [10, 20] });
    const { outcome, out } = decode(LinkType.ETHERNET, frame);
    assert.equal(outcome, Decoded.TCP);
    assert.deepEqual(
      { src: out.srcPort, dst: out.dstPort, seq: out.seq, ack: out.ack, flags: out.flags, window: out.window, length: out.payloadLength, first: frame[out.payloadStart] },
      { src: 40000, dst: 80, seq: 7, ack: 9, flags: 0x18, window: 300, length: 18, first: 0x47 },
    );
    assert.equal(addressText(4, frame, out.srcAddress), '10.0.0.1');
  });

  it('ignores Ethernet padding and trailers: the IP length ends the payload', () => {
    const frame = buildTcpFrame({ src: client, dst: server, seq: 1, flags: Flag.ACK, payload: Buffer.from('hi'), trailer: new Uint8Array(10) });
    assert.equal(decode(LinkType.ETHERNET, frame).out.payloadLength, 2);
  });

  it('an IPv4 total length of 0 (TCP segmentation offload) means "to the end of the frame"', () => {
    const frame = buildTcpFrame({ src: client, dst: server, seq: 1, flags: Flag.ACK, payload: Buffer.from('hello') });
    frame[14 + 2] = 0;
    frame[14 + 3] = 0;
    assert.equal(decode(LinkType.ETHERNET, frame).out.payloadLength, 5);
  });

  it('steps over IPv6 extension headers and reads the window scale option of a SYN', () => {
    const v6client = { address: '2001:db8::1', port: 5000 };
    const v6server = { address: '2001:db8::2', port: 80 };
    const plain = buildTcpFrame({ src: v6client, dst: v6server, seq: 1, flags: Flag.SYN, options: Uint8Array.of(1, 3, 3, 9), link: 'ipv6' });
    // Insert an 8-byte hop-by-hop options header between the IPv6 header and TCP.
    const frame = new Uint8Array(plain.length + 8);
    frame.set(plain.subarray(0, 40));
    frame[6] = 0; // next header: hop-by-hop
    frame[4] = ((plain.length - 40 + 8) >> 8) & 0xff;
    frame[5] = (plain.length - 40 + 8) & 0xff;
    frame.set([6, 0, 1, 4, 0, 0, 0, 0], 40); // next: TCP, length 0 (8 bytes), PadN
    frame.set(plain.subarray(40), 48);
    const { outcome, out } = decode(LinkType.IPV6, frame);
    assert.equal(outcome, Decoded.TCP);
    assert.equal(out.windowScale, 9);
    assert.equal(addressText(6, frame, out.dstAddress), '2001:db8::2');
  });

  it('says NOT_TCP where tshark sees no TCP stream: ARP, UDP, ICMP echo, ICMP errors quoting TCP', () => {
    const arp = new Uint8Array(42);
    arp.set([0x08, 0x06], 12);
    assert.equal(decode(LinkType.ETHERNET, arp).outcome, Decoded.NOT_TCP);
    const udp = Uint8Array.of(0, 53, 0x30, 0x39, 0, 8, 0, 0);
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(17, udp)).outcome, Decoded.NOT_TCP);
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(1, Uint8Array.of(8, 0, 0, 0, 0, 1, 0, 1))).outcome, Decoded.NOT_TCP);
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(1, Uint8Array.of(3, 4, 0, 0, 0, 0, 5, 0x78))).outcome, Decoded.NOT_TCP);
  });

  it('says UNSUPPORTED where tshark would find TCP we cannot follow: fragments, tunnels, unknown ether types, cut headers', () => {
    const tcpHeader = new Uint8Array(20);
    tcpHeader[12] = 0x50;
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(6, tcpHeader, 0x2000)).outcome, Decoded.UNSUPPORTED, 'IPv4 more-fragments');
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(47, new Uint8Array(8))).outcome, Decoded.UNSUPPORTED, 'GRE');
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(17, Uint8Array.of(0x30, 0x39, 0x12, 0xb5, 0, 8, 0, 0))).outcome, Decoded.UNSUPPORTED, 'VXLAN');
    assert.equal(decode(LinkType.ETHERNET, ipv4Frame(6, tcpHeader.subarray(0, 12))).outcome, Decoded.UNSUPPORTED, 'TCP header cut short');
    const mpls = new Uint8Array(60);
    mpls.set([0x88, 0x47], 12);
    const { outcome, out } = decode(LinkType.ETHERNET, mpls);
    assert.equal(outcome, Decoded.UNSUPPORTED, 'MPLS');
    assert.match(out.reason, /ether type 0x8847/);
    assert.equal(decode(147, new Uint8Array(60)).outcome, Decoded.UNSUPPORTED, 'a link type we do not decode');
  });
});

describe('capture/linkLayer: addressText', () => {
  const v6 = (text: string) => addressText(6, Uint8Array.from(parseIpv6(text)), 0);
  it('prints IPv6 as tshark does (RFC 5952: longest zero run, lower case, mapped IPv4 dotted)', () => {
    assert.equal(v6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(v6('::1'), '::1');
    assert.equal(v6('::'), '::');
    assert.equal(v6('fe80::abcd'), 'fe80::abcd');
    assert.equal(v6('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2:3:4:5:6');
    assert.equal(v6('::ffff:a01:203'), '::ffff:10.1.2.3');
  });
});
