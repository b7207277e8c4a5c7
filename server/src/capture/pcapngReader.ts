/**
 * pcapng files: a sequence of blocks in one or more sections, each section with its own byte
 * order and interfaces (link type, timestamp resolution and offset). Packets come in Enhanced,
 * Simple and (obsolete) Packet blocks; every other block is stepped over.
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-01.html
 */
import { CaptureDamageError, CaptureFormatError, MAX_RECORD_BYTES, NO_LINK_TYPE, Parsed, type CaptureRecord, type RecordParser } from './captureRecord';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
/** systemd journal export: tshark makes frames of these too; we leave such files to tshark. */
const SJE = 0x00000009;
/** Decryption Secrets Block: TLS keys embedded in the capture (editcap --inject-secrets). */
const DSB = 0x0000000a;
/** Custom blocks: tshark 4.0 makes a frame of each (no time, no packet), so they count as frames. */
const CB_COPIABLE = 0x00000bad;
const CB_NOT_COPIABLE = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Why a block length is impossible (it is < 12, not a multiple of 4, or over MAX_RECORD_BYTES). */
function badLength(total: number): string {
  if (total < 12) return 'less than a block header and trailer take';
  if (total % 4 !== 0) return 'not a multiple of 4';
  return `more than the ${MAX_RECORD_BYTES / 1024 / 1024} MiB Wirelens accepts`;
}

export function isPcapng(header: Buffer): boolean {
  return header.length >= 4 && header.readUInt32LE(0) === SHB;
}

export interface PcapngInterface {
  readonly linkType: number;
  readonly snapLength: number;
  /** Seconds per timestamp unit (if_tsresol; 1e-6 by default). */
  readonly unit: number;
  /** Units per second when the resolution is decimal (10^n), else 0. */
  readonly perSecond: number;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly offset: number;
}

export interface PcapngSection {
  /** File offset of the section header block. */
  readonly start: number;
  readonly littleEndian: boolean;
  readonly interfaces: PcapngInterface[];
  /**
   * The section header, interface description and decryption secrets blocks as read: what a cut
   * of this section starts with (tshark decrypts a cut's TLS with the keys the section carries).
   */
  readonly headerBlocks: Buffer[];
}

/**
 * Seconds since the epoch of a 64-bit timestamp (high, low 32 bits) in an interface's units. For
 * decimal resolutions whole seconds and the fraction are split exactly first (the ticks of a
 * nanosecond clock exceed 2^53), so the double is the one tshark's printed time parses to.
 */
function timestamp(high: number, low: number, iface: PcapngInterface): number {
  const perSecond = iface.perSecond;
  if (perSecond === 0) return (high * 4294967296 + low) * iface.unit + iface.offset;
  if (high === 0) {
    const seconds = Math.floor(low / perSecond);
    return seconds + (low - seconds * perSecond) / perSecond + iface.offset;
  }
  // ticks = (high >>> 16) * 2^48 + (high & 0xffff) * 2^32 + low, each power split into whole seconds and a remainder.
  const q48 = Math.floor(2 ** 48 / perSecond);
  const r48 = 2 ** 48 - q48 * perSecond;
  const q32 = Math.floor(2 ** 32 / perSecond);
  const r32 = 2 ** 32 - q32 * perSecond;
  const hh = high >>> 16;
  const hl = high & 0xffff;
  let seconds = hh * q48 + hl * q32;
  let remainder = hh * r48 + hl * r32 + low;
  const carry = Math.floor(remainder / perSecond);
  seconds += carry;
  remainder -= carry * perSecond;
  return seconds + remainder / perSecond + iface.offset;
}

export class PcapngParser implements RecordParser {
  readonly format = 'pcapng';
  readonly headerLength = 0;
  length = 0;
  private frames = 0;
  readonly sections: PcapngSection[] = [];

  linkTypes(): readonly number[] {
    return this.sections.flatMap((s) => s.interfaces.map((i) => i.linkType));
  }

  /** The section a file offset belongs to (sections are contiguous and in file order). */
  sectionAt(fileOffset: number): PcapngSection | undefined {
    let low = 0;
    let high = this.sections.length - 1;
    let found: PcapngSection | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.sections[mid].start <= fileOffset) {
        found = this.sections[mid];
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  parse(buf: Buffer, at: number, end: number, fileOffset: number, out: CaptureRecord, count: boolean): Parsed {
    if (end - at < 12) {
      this.length = 12;
      return Parsed.INCOMPLETE;
    }
    const type = buf.readUInt32LE(at);
    if (type === SHB) return this.sectionHeader(buf, at, end, fileOffset, count);
    const section = count ? this.sections[this.sections.length - 1] : this.sectionAt(fileOffset);
    if (!section) throw new CaptureDamageError(fileOffset, 'a pcapng block comes before any section header');
    const le = section.littleEndian;
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const blockType = u32(at);
    const total = u32(at + 4);
    if (total < 12 || total % 4 !== 0 || total > MAX_RECORD_BYTES) throw new CaptureDamageError(fileOffset, `a pcapng block claims a length of ${total} bytes, ${badLength(total)}`);
    this.length = total;
    if (end - at < total) return Parsed.INCOMPLETE;
    switch (blockType) {
      case IDB:
        // Link type, reserved, snap length: a shorter block would have us read its neighbour's bytes.
        if (total < 20) throw new CaptureDamageError(fileOffset, `a pcapng interface description block of ${total} bytes is too short to hold its fields`);
        if (count) this.interfaceDescription(section, buf, at, total, fileOffset);
        return Parsed.OTHER;
      case EPB:
      case OPB: {
        if (total < 32) throw new CaptureDamageError(fileOffset, `a pcapng packet block of ${total} bytes is too short to hold its fields`);
        const id = blockType === EPB ? u32(at + 8) : le ? buf.readUInt16LE(at + 8) : buf.readUInt16BE(at + 8);
        const iface = section.interfaces[id];
        if (!iface) throw new CaptureDamageError(fileOffset, `a pcapng packet names interface ${id}, which was never described`);
        const captured = u32(at + 20);
        if (28 + captured > total - 4) throw new CaptureDamageError(fileOffset, `a pcapng packet claims ${captured} captured bytes, more than its ${total}-byte block holds`);
        out.time = timestamp(u32(at + 12), u32(at + 16), iface);
        out.timed = true;
        out.capturedLength = captured;
        out.originalLength = u32(at + 24);
        out.dataStart = at + 28;
        out.linkType = iface.linkType;
        break;
      }
      case SPB: {
        const iface = section.interfaces[0];
        if (!iface) throw new CaptureDamageError(fileOffset, 'a pcapng simple packet block comes before any interface description');
        if (total < 16) throw new CaptureDamageError(fileOffset, `a pcapng simple packet block of ${total} bytes is too short to hold its fields`);
        const original = u32(at + 8);
        out.time = 0;
        out.timed = false;
        out.originalLength = original;
        out.capturedLength = Math.min(original, total - 16, iface.snapLength > 0 ? iface.snapLength : Infinity);
        out.dataStart = at + 12;
        out.linkType = iface.linkType;
        break;
      }
      case SJE:
        throw new CaptureFormatError('the capture holds systemd journal entries');
      case DSB:
        if (count) section.headerBlocks.push(Buffer.from(buf.subarray(at, at + total)));
        return Parsed.OTHER;
      case CB_COPIABLE:
      case CB_NOT_COPIABLE:
        out.time = 0;
        out.timed = false;
        out.capturedLength = 0;
        out.originalLength = 0;
        out.dataStart = at + 8;
        out.linkType = NO_LINK_TYPE;
        break;
      default:
        return Parsed.OTHER;
    }
    out.recordOffset = fileOffset;
    out.recordLength = total;
    out.recordStart = at;
    if (count) out.frame = ++this.frames;
    return Parsed.PACKET;
  }

  private sectionHeader(buf: Buffer, at: number, end: number, fileOffset: number, count: boolean): Parsed {
    if (end - at < 12) {
      this.length = 12;
      return Parsed.INCOMPLETE;
    }
    const magic = buf.readUInt32LE(at + 8);
    let littleEndian: boolean;
    if (magic === BYTE_ORDER_MAGIC) littleEndian = true;
    else if (buf.readUInt32BE(at + 8) === BYTE_ORDER_MAGIC) littleEndian = false;
    else throw new CaptureDamageError(fileOffset, 'a pcapng section header has no byte-order magic');
    const total = littleEndian ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at + 4);
    if (total < 28 || total % 4 !== 0 || total > MAX_RECORD_BYTES) throw new CaptureDamageError(fileOffset, `a pcapng section header claims a length of ${total} bytes, ${total < 28 ? 'less than its fields take' : badLength(total)}`);
    this.length = total;
    if (end - at < total) return Parsed.INCOMPLETE;
    if (count) {
      const major = littleEndian ? buf.readUInt16LE(at + 12) : buf.readUInt16BE(at + 12);
      if (major !== 1) throw new CaptureFormatError(`pcapng version ${major} is not supported`);
      this.sections.push({ start: fileOffset, littleEndian, interfaces: [], headerBlocks: [Buffer.from(buf.subarray(at, at + total))] });
    }
    return Parsed.OTHER;
  }

  private interfaceDescription(section: PcapngSection, buf: Buffer, at: number, total: number, fileOffset: number): void {
    const le = section.littleEndian;
    const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const linkType = u16(at + 8);
    const snapLength = u32(at + 12);
    let unit = 1e-6;
    let perSecond = 1e6;
    let offset = 0;
    // Options: code, length, value padded to 4 bytes; code 0 ends the list.
    for (let o = at + 16; o + 4 <= at + total - 4; ) {
      const code = u16(o);
      const length = u16(o + 2);
      if (code === 0) break;
      if (o + 4 + length > at + total - 4) throw new CaptureDamageError(fileOffset, `a pcapng interface option (code ${code}, ${length} bytes) runs past the end of its block`);
      if (code === 9 && length >= 1) {
        const resolution = buf[o + 4];
        unit = resolution & 0x80 ? 2 ** -(resolution & 0x7f) : 10 ** -resolution;
        perSecond = resolution & 0x80 || resolution > 15 ? 0 : 10 ** resolution;
      } else if (code === 14 && length >= 8) {
        const high = le ? buf.readInt32LE(o + 8) : buf.readInt32BE(o + 4);
        const low = le ? buf.readUInt32LE(o + 4) : buf.readUInt32BE(o + 8);
        offset = high * 4294967296 + low;
      }
      o += 4 + Math.ceil(length / 4) * 4;
    }
    section.interfaces.push({ linkType, snapLength, unit, perSecond, offset });
    section.headerBlocks.push(Buffer.from(buf.subarray(at, at + total)));
  }
}
