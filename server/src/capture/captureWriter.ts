/**
 * Writes small capture files: the cuts handed to tshark for dissection (a few packets copied
 * verbatim from a large capture), and synthetic captures in tests and the benchmark.
 */
import type { CaptureFormatInfo } from './recordReader';

const PCAP_MAGIC_NANO = 0xa1b23c4d;
const PCAP_MAGIC_MICRO = 0xa1b2c3d4;

/** A little-endian pcap file header. */
export function pcapFileHeader(linkType: number, options: { nanoseconds?: boolean; snapLength?: number } = {}): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(options.nanoseconds === false ? PCAP_MAGIC_MICRO : PCAP_MAGIC_NANO, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(options.snapLength ?? 262144, 16);
  header.writeUInt32LE(linkType, 20);
  return header;
}

/** A little-endian pcap record header; `fraction` is in nanoseconds or microseconds as the file header says. */
export function writePcapRecordHeader(out: Buffer, at: number, seconds: number, fraction: number, captured: number, original = captured): number {
  out.writeUInt32LE(seconds, at);
  out.writeUInt32LE(fraction, at + 4);
  out.writeUInt32LE(captured, at + 8);
  out.writeUInt32LE(original, at + 12);
  return at + 16;
}

/** One record of a cut: its bytes exactly as in the original file, and where they came from. */
export interface CutRecord {
  readonly recordOffset: number;
  readonly bytes: Uint8Array;
}

/**
 * The headers a cut needs before each record it copies: the pcap file header before the first,
 * or for pcapng a section's header blocks (section header, interfaces, secrets) before that
 * section's first record. tshark reads the cut exactly as it would those records in the original
 * (same link types, times, keys).
 */
export class CutAssembler {
  private section = -1;
  private started = false;

  constructor(private readonly format: CaptureFormatInfo) {}

  /** What to write before the record at `recordOffset` of the original file (often nothing). */
  headersBefore(recordOffset: number): Uint8Array[] {
    const { format } = this;
    if (format.format === 'pcap') {
      if (this.started) return [];
      this.started = true;
      return [format.header];
    }
    // Records come in file order: most are in the section of the one before.
    const next = format.sections[this.section + 1];
    if (this.section >= 0 && format.sections[this.section].start <= recordOffset && (!next || recordOffset < next.start)) return [];
    let section = -1;
    for (let i = 0; i < format.sections.length && format.sections[i].start <= recordOffset; i++) section = i;
    if (section < 0) throw new Error(`record at ${recordOffset} is before the first pcapng section`);
    if (section === this.section) return [];
    this.section = section;
    this.started = true;
    const [shb, ...rest] = format.sections[section].headerBlocks;
    return [withUnknownSectionLength(shb), ...rest];
  }

  /** What a cut that got no record still needs to be a capture file (a pcap file header). */
  headersIfEmpty(): Uint8Array[] {
    return this.format.format === 'pcap' && !this.started ? [this.format.header] : [];
  }
}

/** A capture file made of records copied verbatim from a larger one, in memory (see CutAssembler). */
export function buildCut(format: CaptureFormatInfo, records: readonly CutRecord[]): Buffer {
  const assembler = new CutAssembler(format);
  const parts = records.flatMap((record) => [...assembler.headersBefore(record.recordOffset), record.bytes]);
  return Buffer.concat([...parts, ...assembler.headersIfEmpty()]);
}

/** The section header with its section length set to -1 ("not given"): a cut is shorter than the original section. */
function withUnknownSectionLength(shb: Uint8Array): Buffer {
  const copy = Buffer.from(shb);
  copy.fill(0xff, 16, 24);
  return copy;
}
