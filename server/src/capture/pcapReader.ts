/**
 * Classic libpcap files: a 24-byte header, then 16-byte record headers each followed by the
 * captured bytes. Both byte orders, microsecond and nanosecond magic.
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
 */
import { CaptureDamageError, CaptureFormatError, MAX_RECORD_BYTES, Parsed, type CaptureRecord, type RecordParser } from './captureRecord';

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

/** True when the first four bytes are a pcap magic number this reader understands. */
export function isPcap(header: Buffer): boolean {
  if (header.length < 4) return false;
  const le = header.readUInt32LE(0);
  const be = header.readUInt32BE(0);
  return le === MAGIC_MICRO || le === MAGIC_NANO || be === MAGIC_MICRO || be === MAGIC_NANO;
}

export class PcapParser implements RecordParser {
  readonly format = 'pcap';
  readonly headerLength = 24;
  length = 0;
  private frames = 0;
  private readonly littleEndian: boolean;
  /** Fraction units per second: 1e6 or 1e9. */
  private readonly perSecond: number;
  readonly linkType: number;
  readonly snapLength: number;
  /** The file header as read: a cut of this file starts with the same bytes. */
  readonly header: Buffer;

  constructor(header: Buffer) {
    if (header.length < 24) throw new CaptureFormatError('the pcap file header is cut short');
    const le = header.readUInt32LE(0);
    const be = header.readUInt32BE(0);
    if (le === MAGIC_MICRO || le === MAGIC_NANO) {
      this.littleEndian = true;
      this.perSecond = le === MAGIC_NANO ? 1e9 : 1e6;
    } else if (be === MAGIC_MICRO || be === MAGIC_NANO) {
      this.littleEndian = false;
      this.perSecond = be === MAGIC_NANO ? 1e9 : 1e6;
    } else {
      throw new CaptureFormatError('not a pcap file');
    }
    this.snapLength = this.u32(header, 16);
    // The upper bits of the link type field carry FCS information (draft-ietf-opsawg-pcap §4).
    this.linkType = this.u32(header, 20) & 0x03ffffff;
    this.header = Buffer.from(header.subarray(0, 24));
  }

  linkTypes(): readonly number[] {
    return [this.linkType];
  }

  private u32(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  parse(buf: Buffer, at: number, end: number, fileOffset: number, out: CaptureRecord, count: boolean): Parsed {
    if (end - at < 16) {
      this.length = 16;
      return Parsed.INCOMPLETE;
    }
    const captured = this.u32(buf, at + 8);
    if (captured > MAX_RECORD_BYTES) throw new CaptureDamageError(fileOffset, `a pcap record claims ${captured} captured bytes, more than any capture holds`);
    const total = 16 + captured;
    this.length = total;
    if (end - at < total) return Parsed.INCOMPLETE;
    out.time = this.u32(buf, at) + this.u32(buf, at + 4) / this.perSecond;
    out.timed = true;
    out.capturedLength = captured;
    out.originalLength = this.u32(buf, at + 12);
    out.dataStart = at + 16;
    out.recordOffset = fileOffset;
    out.recordLength = total;
    out.recordStart = at;
    out.linkType = this.linkType;
    if (count) out.frame = ++this.frames;
    return Parsed.PACKET;
  }
}
