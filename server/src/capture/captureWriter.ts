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
 * A capture file made of records copied verbatim from a larger one: the pcap header, or for
 * pcapng each section's header and interface blocks before that section's first record.
 * tshark reads it exactly as it would the records in the original (same link types, times).
 */
export function buildCut(format: CaptureFormatInfo, records: readonly CutRecord[]): Buffer {
  const parts: Uint8Array[] = [];
  if (format.format === 'pcap') {
    parts.push(format.header);
    for (const record of records) parts.push(record.bytes);
    return Buffer.concat(parts);
  }
  let current = -1;
  for (const record of records) {
    let section = -1;
    for (let i = 0; i < format.sections.length && format.sections[i].start <= record.recordOffset; i++) section = i;
    if (section < 0) throw new Error(`record at ${record.recordOffset} is before the first pcapng section`);
    if (section !== current) {
      const [shb, ...idbs] = format.sections[section].headerBlocks;
      parts.push(withUnknownSectionLength(shb, format.sections[section].littleEndian), ...idbs);
      current = section;
    }
    parts.push(record.bytes);
  }
  return Buffer.concat(parts);
}

/** The section header with its section length set to -1 ("not given"): a cut is shorter than the original section. */
function withUnknownSectionLength(shb: Uint8Array, _littleEndian: boolean): Buffer {
  const copy = Buffer.from(shb);
  copy.fill(0xff, 16, 24);
  return copy;
}
