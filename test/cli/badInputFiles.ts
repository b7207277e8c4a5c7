/**
 * The bad-input matrix's files (docs/reliability.md), written at test time into a temporary
 * folder so nothing binary is committed. Captures come from the same writers as the capture
 * tests (test/unit/capture/fixtures.ts over scripts/bench/packets.ts); the damage is applied to
 * their bytes here, at offsets computed from the formats, never by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildTcpFrame } from '../../scripts/bench/packets';
import { SeededRandom } from '../fuzz/seededRandom';
import { framesOf, httpConnection, pcapBytes, pcapngBytes, type Frame } from '../unit/capture/fixtures';

const CLIENT = { address: '10.0.0.1', port: 40000 };
const SERVER = { address: '10.0.1.1', port: 80 };
/** The seed incident's response: two Transfer-Encoding fields (a finding, so exit code 1). */
export const DUPLICATE_TE_RESPONSE = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
const LINKTYPE_ETHERNET = 1;
/** LINKTYPE_PPP (RFC 1662 framing): tshark decodes it, the direct reader does not. */
const LINKTYPE_PPP = 9;
/** LINKTYPE_USER0: reserved for private use, so no dissector is registered for it. */
const LINKTYPE_USER0 = 147;

/** Frames of one HTTP exchange that has a finding (duplicate Transfer-Encoding), on Ethernet. */
export function incidentFrames(options: { request?: string; response?: string; mss?: number } = {}): Frame[] {
  return framesOf(httpConnection(CLIENT, SERVER, { response: DUPLICATE_TE_RESPONSE, ...options }));
}

/** The same exchange framed as PPP in HDLC-like framing (address 0xff, control 0x03, protocol 0x0021 = IPv4). */
function pppFrames(): Frame[] {
  return httpConnection(CLIENT, SERVER, { response: DUPLICATE_TE_RESPONSE }).map((spec, i) => ({
    time: 1764104640 + i * 0.001,
    bytes: Buffer.concat([Buffer.of(0xff, 0x03, 0x00, 0x21), buildTcpFrame({ ...spec, link: 'raw' })]),
  }));
}

/** Ethernet ARP requests (RFC 826): packets, but no IP and no TCP. */
function arpFrames(count: number): Frame[] {
  return Array.from({ length: count }, (_, i) => {
    const frame = Buffer.alloc(42);
    frame.fill(0xff, 0, 6); // broadcast
    Buffer.of(0x02, 0, 0, 0, 0, 1).copy(frame, 6);
    frame.writeUInt16BE(0x0806, 12);
    frame.writeUInt16BE(1, 14); // hardware: Ethernet
    frame.writeUInt16BE(0x0800, 16); // protocol: IPv4
    frame[18] = 6;
    frame[19] = 4;
    frame.writeUInt16BE(1, 20); // request
    Buffer.of(0x02, 0, 0, 0, 0, 1, 10, 0, 0, 1).copy(frame, 22);
    Buffer.of(0, 0, 0, 0, 0, 0, 10, 0, 0, 2 + i).copy(frame, 32);
    return { time: 1764104640 + i, bytes: frame };
  });
}

/** Deterministic bytes, so a "random" body is the same on every run. */
export function seededBytes(length: number, seed: number): Buffer {
  return new SeededRandom(seed).bytes(length);
}

/** Byte offsets inside a pcap written by pcapBytes: where each record and its data start. */
export function pcapRecordOffsets(frames: readonly Frame[]): { record: number; data: number; end: number }[] {
  let at = 24;
  return frames.map((frame) => {
    const record = at;
    at += 16 + frame.bytes.length;
    return { record, data: record + 16, end: at };
  });
}

/** pcapng as pcapngBytes writes one section with one interface: SHB (28 bytes), IDB (20), then EPBs. */
export function pcapngPacketOffsets(frames: readonly Frame[]): number[] {
  let at = 28 + 20;
  return frames.map((frame) => {
    const start = at;
    at += 32 + Math.ceil(frame.bytes.length / 4) * 4;
    return start;
  });
}

export interface BadInputs {
  readonly dir: string;
  readonly empty: string;
  readonly text: string;
  readonly json: string;
  /** 7 bytes: tshark 4.0 opens files this short as "MP4 media" and exits 0. */
  readonly sevenBytes: string;
  readonly eightBytes: string;
  /** A good pcap of the incident exchange (the reference the damaged ones are cut from). */
  readonly good: string;
  readonly goodFrames: number;
  readonly cutInFileHeader: string;
  /** Cut inside the record header of frame `cutFrame` (1-based); the frames before it are whole. */
  readonly cutInRecordHeader: string;
  readonly cutInRecordData: string;
  readonly cutFrame: number;
  readonly cutInRecordHeaderAt: number;
  readonly cutInRecordDataAt: number;
  /** pcapng whose packet block for frame `cutFrame` has a total length that is not a multiple of 4. */
  readonly pcapngBadBlockLength: string;
  readonly pcapngBadBlockAt: number;
  /** pcapng whose packet block for frame `cutFrame` claims 2^32 - 4 bytes. */
  readonly pcapngHugeBlockLength: string;
  readonly ppp: string;
  readonly unknownLinkType: string;
  readonly gzipped: string;
  readonly gzippedText: string;
  readonly zeroPacketsPcap: string;
  readonly zeroPacketsPcapng: string;
  readonly noTcp: string;
  readonly noTcpFrames: number;
  readonly headerLine1MB: string;
  readonly fields100k: string;
  readonly randomBody: string;
}

/** Writes every file of the matrix into `dir` (created if missing). */
export function writeBadInputs(dir: string): BadInputs {
  fs.mkdirSync(dir, { recursive: true });
  const write = (name: string, bytes: Uint8Array | string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const frames = incidentFrames();
  const good = pcapBytes(LINKTYPE_ETHERNET, frames);
  // Cut inside the response (frame 5 of handshake, request, response, FIN…), so frames before it hold the request.
  const cutFrame = 5;
  const offsets = pcapRecordOffsets(frames)[cutFrame - 1];
  const cutInRecordHeaderAt = offsets.record + 9;
  const cutInRecordDataAt = offsets.data + Math.floor(frames[cutFrame - 1].bytes.length / 2);
  const pcapng = pcapngBytes([{ interfaces: [{ linkType: LINKTYPE_ETHERNET }], frames }]);
  const pcapngBadBlockAt = pcapngPacketOffsets(frames)[cutFrame - 1];
  const withBlockLength = (length: number) => {
    const bytes = Buffer.from(pcapng);
    bytes.writeUInt32LE(length, pcapngBadBlockAt + 4);
    return bytes;
  };
  const fields = Array.from({ length: 100_000 }, (_, i) => `X-Field-${i}: ${i}\r\n`).join('');
  const randomBody = seededBytes(64 * 1024, 0x5eed);
  return {
    dir,
    empty: write('empty.pcap', ''),
    text: write('text.pcap', 'These are meeting notes, not packets.\nSaved with the wrong extension.\n'),
    json: write('json.pcap', JSON.stringify({ packets: [{ src: '10.0.0.1', dst: '10.0.1.1' }] }, null, 2) + '\n'),
    sevenBytes: write('seven-bytes.pcap', 'abcdefg'),
    eightBytes: write('eight-bytes.pcap', Buffer.from(seededBytes(8, 8))),
    good: write('good.pcap', good),
    goodFrames: frames.length,
    cutInFileHeader: write('cut-in-file-header.pcap', good.subarray(0, 12)),
    cutInRecordHeader: write('cut-in-record-header.pcap', good.subarray(0, cutInRecordHeaderAt)),
    cutInRecordData: write('cut-in-record-data.pcap', good.subarray(0, cutInRecordDataAt)),
    cutFrame,
    cutInRecordHeaderAt,
    cutInRecordDataAt,
    pcapngBadBlockLength: write('bad-block-length.pcapng', withBlockLength(0x3e)),
    pcapngBadBlockAt,
    pcapngHugeBlockLength: write('huge-block-length.pcapng', withBlockLength(0xfffffffc)),
    ppp: write('ppp.pcap', pcapBytes(LINKTYPE_PPP, pppFrames())),
    unknownLinkType: write('user0.pcap', pcapBytes(LINKTYPE_USER0, frames)),
    gzipped: write('incident.pcap.gz', zlib.gzipSync(good)),
    gzippedText: write('notes.pcap.gz', zlib.gzipSync('These are meeting notes, not packets.\n')),
    zeroPacketsPcap: write('zero-packets.pcap', pcapBytes(LINKTYPE_ETHERNET, [])),
    zeroPacketsPcapng: write('zero-packets.pcapng', pcapngBytes([{ interfaces: [{ linkType: LINKTYPE_ETHERNET }], frames: [] }])),
    noTcp: write('arp-only.pcap', pcapBytes(LINKTYPE_ETHERNET, arpFrames(3))),
    noTcpFrames: 3,
    headerLine1MB: write('header-line-1mb.pcap', pcapBytes(LINKTYPE_ETHERNET, incidentFrames({ request: `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n` }))),
    fields100k: write('fields-100k.pcap', pcapBytes(LINKTYPE_ETHERNET, incidentFrames({ request: `GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n` }))),
    randomBody: write(
      'random-body.pcap',
      pcapBytes(LINKTYPE_ETHERNET, incidentFrames({ response: `HTTP/1.1 200 OK\r\nContent-Length: ${randomBody.length}\r\n\r\n${randomBody.toString('latin1')}` })),
    ),
  };
}
