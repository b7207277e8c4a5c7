/**
 * Mutated pcap and pcapng files for the capture fuzz. The bases are the capture tests' own
 * synthetic captures (test/unit/capture/fixtures.ts: every link type, both byte orders, µs and
 * ns, several pcapng sections, every packet block kind). A mutation knows the base's layout (file
 * header, records, blocks and their fields), so besides bit flips and truncations it sets length
 * fields to 0, huge or odd values, swaps block types, and deletes, repeats or swaps records.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { framesOf, httpConnection, pcapngBytes, writeSyntheticCaptures } from '../unit/capture/fixtures';
import { SeededRandom } from './seededRandom';

export type CaptureFormat = 'pcap' | 'pcapng';

/** A numeric field of the base, in its section's byte order. */
interface Field {
  readonly at: number;
  readonly size: 2 | 4;
  readonly le: boolean;
  readonly kind: 'length' | 'type' | 'interface' | 'link-type' | 'magic' | 'version' | 'time' | 'other';
}

/** A record (pcap) or block (pcapng): [start, end) in the base. */
interface Unit {
  readonly start: number;
  readonly end: number;
}

export interface Base {
  readonly name: string;
  readonly bytes: Buffer;
  readonly fields: readonly Field[];
  readonly units: readonly Unit[];
}

function pcapLayout(bytes: Buffer): Pick<Base, 'fields' | 'units'> {
  const le = bytes.readUInt32LE(0) === 0xa1b2c3d4 || bytes.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const fields: Field[] = [
    { at: 0, size: 4, le, kind: 'magic' },
    { at: 4, size: 2, le, kind: 'version' },
    { at: 16, size: 4, le, kind: 'length' },
    { at: 20, size: 4, le, kind: 'link-type' },
  ];
  const units: Unit[] = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    const end = at + 16 + u32(at + 8);
    fields.push({ at, size: 4, le, kind: 'time' }, { at: at + 4, size: 4, le, kind: 'time' }, { at: at + 8, size: 4, le, kind: 'length' }, { at: at + 12, size: 4, le, kind: 'length' });
    units.push({ start: at, end });
    at = end;
  }
  return { fields, units };
}

const SHB = 0x0a0d0d0a;

function pcapngLayout(bytes: Buffer): Pick<Base, 'fields' | 'units'> {
  const fields: Field[] = [];
  const units: Unit[] = [];
  let le = true;
  for (let at = 0; at + 12 <= bytes.length; ) {
    const type = bytes.readUInt32LE(at);
    if (type === SHB) le = bytes.readUInt32LE(at + 8) === 0x1a2b3c4d;
    const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
    const total = u32(at + 4);
    const end = at + total;
    fields.push({ at, size: 4, le, kind: 'type' }, { at: at + 4, size: 4, le, kind: 'length' }, { at: end - 4, size: 4, le, kind: 'length' });
    const blockType = u32(at);
    if (blockType === SHB) fields.push({ at: at + 8, size: 4, le, kind: 'magic' }, { at: at + 12, size: 2, le, kind: 'version' }, { at: at + 16, size: 4, le, kind: 'length' });
    else if (blockType === 1) fields.push({ at: at + 8, size: 2, le, kind: 'link-type' }, { at: at + 12, size: 4, le, kind: 'length' }, ...(total > 20 ? [{ at: at + 16, size: 2 as const, le, kind: 'other' as const }, { at: at + 18, size: 2 as const, le, kind: 'length' as const }] : []));
    else if (blockType === 6) fields.push({ at: at + 8, size: 4, le, kind: 'interface' }, { at: at + 12, size: 4, le, kind: 'time' }, { at: at + 16, size: 4, le, kind: 'time' }, { at: at + 20, size: 4, le, kind: 'length' }, { at: at + 24, size: 4, le, kind: 'length' });
    else if (blockType === 2) fields.push({ at: at + 8, size: 2, le, kind: 'interface' }, { at: at + 20, size: 4, le, kind: 'length' });
    else if (blockType === 3) fields.push({ at: at + 8, size: 4, le, kind: 'length' });
    units.push({ start: at, end });
    at = end;
  }
  return { fields, units };
}

/** The records (pcap) or blocks (pcapng) of a well-formed capture and their fields. */
export function captureLayout(bytes: Buffer, format: CaptureFormat): Pick<Base, 'fields' | 'units'> {
  return format === 'pcap' ? pcapLayout(bytes) : pcapngLayout(bytes);
}

/** The base captures of one format, built once per process (the pcaps via writeSyntheticCaptures' temporary files). */
export function captureBases(format: CaptureFormat): Base[] {
  const named: [string, Buffer][] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-fuzz-bases-'));
  try {
    for (const file of writeSyntheticCaptures(dir)) {
      if (path.extname(file) === `.${format}`) named.push([path.basename(file), fs.readFileSync(file)]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (format === 'pcapng') {
    const client = { address: '10.0.0.1', port: 40000 };
    const server = { address: '10.0.1.1', port: 80 };
    const exchange = framesOf(httpConnection(client, server, { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' }));
    named.push(['single-section.pcapng', pcapngBytes([{ interfaces: [{ linkType: 1 }], frames: exchange }])]);
    named.push(['big-endian-ns-blocks.pcapng', pcapngBytes([{ littleEndian: false, interfaces: [{ linkType: 1, tsresol: 9 }], extraBlocks: true, frames: exchange.map((f, i) => ({ ...f, block: i % 3 === 1 ? ('opb' as const) : ('epb' as const) })) }])]);
  }
  return named.map(([name, bytes]) => ({ name, bytes, ...captureLayout(bytes, format) }));
}

const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** pcapng block types (SHB, IDB, OPB, SPB, NRB, ISB, EPB, systemd journal, DSB, custom) and a few nobody defines. */
const BLOCK_TYPES = [SHB, 1, 2, 3, 4, 5, 6, 9, 0x0a, 0x0bad, 0x40000bad, 0, 7, 0x80000001, 0xffffffff];
/** Link types the direct reader decodes, ones only tshark does, and ones nobody does. */
const LINK_TYPES = [0, 1, 9, 101, 105, 108, 113, 127, 147, 228, 229, 276, 0xffff];

function lengthValues(current: number, random: SeededRandom): number[] {
  return [0, 1, 4, 7, 8, 11, 12, 13, 15, 16, 20, 27, 28, 31, 32, current - 4, current - 1, current + 1, current + 3, current + 4, current * 2, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, MAX_RECORD_BYTES, MAX_RECORD_BYTES + 4, random.next()];
}

function readField(bytes: Buffer, f: Field): number {
  if (f.size === 2) return f.le ? bytes.readUInt16LE(f.at) : bytes.readUInt16BE(f.at);
  return f.le ? bytes.readUInt32LE(f.at) : bytes.readUInt32BE(f.at);
}

function writeField(bytes: Buffer, f: Field, value: number): void {
  if (f.at < 0 || f.at + f.size > bytes.length) return;
  if (f.size === 2) {
    const v = value & 0xffff;
    if (f.le) bytes.writeUInt16LE(v, f.at);
    else bytes.writeUInt16BE(v, f.at);
  } else {
    const v = value >>> 0;
    if (f.le) bytes.writeUInt32LE(v, f.at);
    else bytes.writeUInt32BE(v, f.at);
  }
}

/** One mutated file: its bytes and what was done, for the failure report. */
export interface Mutant {
  readonly bytes: Buffer;
  readonly steps: readonly string[];
}

/**
 * 1 to 4 mutations of a base chosen by `random`: first in place (bit flips, bytes, fields set to
 * edge values), then at most one change of structure (a record deleted, repeated, or two swapped),
 * then maybe a truncation.
 */
export function mutate(bases: readonly Base[], random: SeededRandom): Mutant {
  const base = random.pick(bases);
  let bytes = Buffer.from(base.bytes);
  const steps = [base.name];
  const count = 1 + random.below(4);
  for (let i = 0; i < count; i++) {
    const choice = random.below(10);
    if (choice < 2) {
      const at = random.below(bytes.length);
      const bit = random.below(8);
      bytes[at] ^= 1 << bit;
      steps.push(`flip bit ${bit} of byte ${at}`);
    } else if (choice < 3) {
      const at = random.below(bytes.length);
      bytes[at] = random.next() & 0xff;
      steps.push(`byte ${at} = ${bytes[at]}`);
    } else {
      const wanted = choice < 7 ? 'length' : choice < 8 ? (base.fields.some((f) => f.kind === 'type') ? 'type' : 'link-type') : random.pick(['link-type', 'interface', 'magic', 'version', 'time', 'other'] as const);
      const candidates = base.fields.filter((f) => f.kind === wanted);
      const field = candidates.length ? random.pick(candidates) : random.pick(base.fields);
      const value =
        field.kind === 'length' ? random.pick(lengthValues(readField(bytes, field), random)) : field.kind === 'type' ? random.pick(BLOCK_TYPES) : field.kind === 'link-type' ? random.pick(LINK_TYPES) : random.next();
      writeField(bytes, field, value);
      steps.push(`${field.kind} field at ${field.at} = ${value >>> 0}`);
    }
  }
  if (base.units.length >= 2 && random.chance(0.25)) {
    const a = random.pick(base.units);
    const b = random.pick(base.units);
    const op = random.below(3);
    if (op === 0) {
      bytes = Buffer.concat([bytes.subarray(0, a.start), bytes.subarray(a.end)]);
      steps.push(`delete record ${a.start}-${a.end}`);
    } else if (op === 1) {
      bytes = Buffer.concat([bytes.subarray(0, a.end), bytes.subarray(a.start, a.end), bytes.subarray(a.end)]);
      steps.push(`repeat record ${a.start}-${a.end}`);
    } else if (a.start < b.start && a.end <= b.start) {
      bytes = Buffer.concat([bytes.subarray(0, a.start), bytes.subarray(b.start, b.end), bytes.subarray(a.end, b.start), bytes.subarray(a.start, a.end), bytes.subarray(b.end)]);
      steps.push(`swap records ${a.start} and ${b.start}`);
    }
  }
  if (random.chance(0.2)) {
    const unit = base.units.length ? random.pick(base.units) : undefined;
    const at = unit && random.chance(0.7) ? Math.min(bytes.length, unit.start + random.below(unit.end - unit.start + 1)) : random.below(bytes.length + 1);
    bytes = bytes.subarray(0, at);
    steps.push(`truncate at ${at}`);
  }
  return { bytes, steps };
}
