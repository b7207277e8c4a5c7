/**
 * HPACK's static Huffman code (RFC 7541 Appendix B). The code is canonical, so the 257 code
 * lengths (symbols 0–255, then EOS) define it: codes are assigned in order of length, then of
 * symbol. Decoding walks a binary tree built once from them.
 */

/** Code length in bits of each symbol 0–255 and EOS (256), RFC 7541 Appendix B. */
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;

interface Node {
  zero?: Node;
  one?: Node;
  symbol?: number;
}

/** The canonical codes: `codes[symbol]` right-aligned in `CODE_LENGTHS[symbol]` bits. */
function canonicalCodes(): number[] {
  const order = CODE_LENGTHS.map((length, symbol) => ({ length, symbol })).sort((a, b) => a.length - b.length || a.symbol - b.symbol);
  const codes = new Array<number>(CODE_LENGTHS.length);
  let code = 0;
  let length = order[0].length;
  for (const entry of order) {
    code *= 2 ** (entry.length - length);
    length = entry.length;
    codes[entry.symbol] = code;
    code++;
  }
  return codes;
}

let root: Node | undefined;

function tree(): Node {
  if (root) return root;
  const codes = canonicalCodes();
  root = {};
  CODE_LENGTHS.forEach((length, symbol) => {
    let node = root!;
    for (let bit = length - 1; bit >= 0; bit--) {
      const one = Math.floor(codes[symbol] / 2 ** bit) % 2 === 1;
      const next = one ? (node.one ??= {}) : (node.zero ??= {});
      node = next;
    }
    node.symbol = symbol;
  });
  return root;
}

export class HuffmanError extends Error {}

/**
 * Decodes a Huffman-coded string literal (RFC 7541 §5.2). Padding must be a prefix of EOS
 * (all ones) of at most 7 bits; an EOS symbol in the data is an error.
 */
export function huffmanDecode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  const start = tree();
  let node = start;
  let depth = 0;
  let allOnes = true;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      const next = one ? node.one : node.zero;
      if (!next) throw new HuffmanError('invalid Huffman code');
      node = next;
      depth++;
      allOnes &&= one === 1;
      if (node.symbol !== undefined) {
        if (node.symbol === EOS) throw new HuffmanError('EOS symbol inside a Huffman-coded string');
        out.push(node.symbol);
        node = start;
        depth = 0;
        allOnes = true;
      }
    }
  }
  if (depth > 7) throw new HuffmanError('Huffman padding longer than 7 bits');
  if (depth > 0 && !allOnes) throw new HuffmanError('Huffman padding is not a prefix of EOS');
  return Uint8Array.from(out);
}

/** Huffman-encodes bytes (for tests and sample scripts that want Huffman literals). */
export function huffmanEncode(data: Uint8Array): Uint8Array {
  const codes = canonicalCodes();
  const out: number[] = [];
  let current = 0;
  let bits = 0;
  for (const byte of data) {
    const length = CODE_LENGTHS[byte];
    for (let bit = length - 1; bit >= 0; bit--) {
      current = (current << 1) | (Math.floor(codes[byte] / 2 ** bit) % 2);
      if (++bits === 8) {
        out.push(current);
        current = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push(((current << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Uint8Array.from(out);
}
