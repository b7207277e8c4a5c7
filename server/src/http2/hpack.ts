/**
 * HPACK (RFC 7541): the decoder keeps one dynamic table per direction of a connection and
 * reports, for every field, where its representation sits in the header block, so findings can
 * point at the bytes that carried it. Names and values stay bytes (shown as latin1): a malformed
 * name must reach the rules as it was sent. The encoder writes literals only (no indexing), which
 * is all the sample scripts and tests need to craft frames HTTP/2 libraries refuse to send.
 */
import { huffmanDecode, huffmanEncode, HuffmanError } from './huffman';

/** RFC 7541 Appendix A: index 1–61. */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

export type Representation = 'indexed' | 'literal-incremental' | 'literal-without-indexing' | 'literal-never-indexed';

export interface DecodedField {
  /** The name as sent (latin1), case and all. */
  readonly name: string;
  readonly value: string;
  /** Where the field's representation starts in the header block, and its length. */
  readonly start: number;
  readonly length: number;
  readonly representation: Representation;
}

export interface DecodedBlock {
  readonly fields: readonly DecodedField[];
  /** Set when the block could not be decoded to its end (the fields before it are kept). */
  readonly error?: { readonly at: number; readonly message: string };
}

class HpackError extends Error {
  constructor(readonly at: number, message: string) {
    super(message);
  }
}

const latin1 = (bytes: Uint8Array) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
};

/** Entry size as RFC 7541 §4.1 counts it: name + value + 32. */
const entrySize = (name: string, value: string) => name.length + value.length + 32;

export class HpackDecoder {
  private dynamic: [string, string][] = [];
  private size = 0;
  private maxSize = 4096;
  /** Once a block fails, the table may be out of step with the encoder's: say so for every later block. */
  private broken?: string;

  decode(block: Uint8Array): DecodedBlock {
    const fields: DecodedField[] = [];
    if (this.broken) return { fields, error: { at: 0, message: `not decoded: ${this.broken}` } };
    let at = 0;
    try {
      while (at < block.length) {
        const start = at;
        const byte = block[at];
        if (byte & 0x80) {
          const [index, next] = readInteger(block, at, 7);
          at = next;
          const [name, value] = this.entry(index, start);
          fields.push({ name, value, start, length: at - start, representation: 'indexed' });
        } else if ((byte & 0xe0) === 0x20) {
          const [size, next] = readInteger(block, at, 5);
          at = next;
          if (fields.length > 0) throw new HpackError(start, 'dynamic table size update after the first field');
          this.maxSize = size;
          this.evict();
        } else {
          const incremental = (byte & 0xc0) === 0x40;
          const prefix = incremental ? 6 : 4;
          const representation: Representation = incremental ? 'literal-incremental' : byte & 0x10 ? 'literal-never-indexed' : 'literal-without-indexing';
          const [index, next] = readInteger(block, at, prefix);
          at = next;
          let name: string;
          if (index === 0) [name, at] = readString(block, at);
          else name = this.entry(index, start)[0];
          let value: string;
          [value, at] = readString(block, at);
          fields.push({ name, value, start, length: at - start, representation });
          if (incremental) this.add(name, value);
        }
      }
    } catch (error) {
      const failure = error instanceof HpackError ? error : new HpackError(at, error instanceof HuffmanError ? error.message : String(error));
      this.broken = `an earlier header block failed to decode (${failure.message})`;
      return { fields, error: { at: failure.at, message: failure.message } };
    }
    return { fields };
  }

  private entry(index: number, at: number): [string, string] {
    if (index === 0) throw new HpackError(at, 'index 0');
    if (index <= STATIC_TABLE.length) return [...STATIC_TABLE[index - 1]] as [string, string];
    const entry = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(at, `index ${index} is past the end of the tables`);
    return entry;
  }

  private add(name: string, value: string): void {
    this.dynamic.unshift([name, value]);
    this.size += entrySize(name, value);
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.dynamic.length > 0) {
      const [name, value] = this.dynamic.pop()!;
      this.size -= entrySize(name, value);
    }
  }
}

/** RFC 7541 §5.1 integer with an N-bit prefix; returns [value, next offset]. */
export function readInteger(data: Uint8Array, at: number, prefixBits: number): [number, number] {
  if (at >= data.length) throw new HpackError(at, 'header block ends inside an integer');
  const max = (1 << prefixBits) - 1;
  let value = data[at] & max;
  let next = at + 1;
  if (value < max) return [value, next];
  let shift = 0;
  for (;;) {
    if (next >= data.length) throw new HpackError(at, 'header block ends inside an integer');
    const byte = data[next++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (shift > 28) throw new HpackError(at, 'integer too large');
    if (!(byte & 0x80)) return [value, next];
  }
}

function readString(data: Uint8Array, at: number): [string, number] {
  const huffman = (data[at] ?? 0) & 0x80;
  const [length, next] = readInteger(data, at, 7);
  if (next + length > data.length) throw new HpackError(at, 'header block ends inside a string literal');
  const raw = data.subarray(next, next + length);
  try {
    return [latin1(huffman ? huffmanDecode(raw) : raw), next + length];
  } catch (error) {
    throw new HpackError(at, error instanceof Error ? error.message : String(error));
  }
}

//#region encoder (literals only)

function writeInteger(value: number, prefixBits: number, firstByteFlags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteFlags | value];
  const out = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function writeString(text: string, huffman: boolean): number[] {
  const raw = Uint8Array.from(Buffer.from(text, 'latin1'));
  const bytes = huffman ? huffmanEncode(raw) : raw;
  return [...writeInteger(bytes.length, 7, huffman ? 0x80 : 0), ...bytes];
}

export interface EncodeOptions {
  readonly huffman?: boolean;
}

/**
 * A header block of "literal header field without indexing — new name" representations
 * (RFC 7541 §6.2.2): every name and value exactly as given, so uppercase names, connection
 * headers and unknown pseudo-headers reach the wire. No dynamic table state is created.
 */
export function encodeLiteralBlock(fields: readonly (readonly [string, string])[], options: EncodeOptions = {}): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of fields) out.push(0x00, ...writeString(name, !!options.huffman), ...writeString(value, !!options.huffman));
  return Uint8Array.from(out);
}
//#endregion
