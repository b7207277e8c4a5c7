/**
 * tshark's `tcp.stream` numbering, rebuilt so the direct reader's stream ids are tshark's
 * (Wireshark 4.0 epan/dissectors/packet-tcp.c, dissect_tcp and tcp_analyze_sequence_number):
 *
 * - the first packet of a 4-tuple not seen before starts a new stream (ids in file order);
 * - a SYN without ACK on a known 4-tuple starts a new stream when its sender's base sequence
 *   number is known and differs from the SYN's sequence number (port reuse); the same number is
 *   a retransmitted SYN and stays, even after a FIN or RST (4.0 has no "closed" rule: checked);
 * - a side's base sequence number is set by its first packet (the SYN's seq, else seq - 1) or,
 *   before that, by the other side's first ACK (ack - 1).
 *
 * Checked against tshark 4.0.17 by the differential tests (test/unit/capture/). The table is
 * allocation-free per packet (open-addressing hashes over IPv4 words or IPv6 bytes, state in typed
 * arrays): the index pass makes no garbage for a million packets.
 */

const SYN = 0x02;
const ACK = 0x10;
/** Key of a 4-tuple: IP version, lower endpoint (16 address bytes, 2 port bytes), higher endpoint. */
const KEY_BYTES = 37;

export class TcpStreamTable {
  private next = 0;
  /** Set by assign(): whether the packet went from side A (the stream's first sender) to side B, and whether it started a stream. */
  fromA = true;
  isNew = false;

  private readonly v4 = new Ipv4Tuples();
  private readonly v6 = new ByteTuples();
  /** Set by the tuple lookups: whether the packet's source is the tuple's lower endpoint. */
  private srcIsLower = true;

  // Streams: which endpoint of the key is side A, and each side's base sequence number.
  private aIsLower = new Uint8Array(1024);
  private baseA = new Uint32Array(1024);
  private baseB = new Uint32Array(1024);
  /** Bit 1: side A's base is known; bit 2: side B's. */
  private baseSet = new Uint8Array(1024);

  get count(): number {
    return this.next;
  }

  /**
   * The stream of one TCP packet whose addresses are at `src`/`dst` in `buf` (4 or 16 bytes by
   * `ipVersion`). Sets `fromA` and `isNew`.
   */
  assign(buf: Uint8Array, ipVersion: 4 | 6, src: number, dst: number, srcPort: number, dstPort: number, flags: number, seq: number, ack: number): number {
    let tuples: Tuples;
    if (ipVersion === 4) {
      const a = be32(buf, src);
      const b = be32(buf, dst);
      const srcIsLower = a < b || (a === b && srcPort <= dstPort);
      this.srcIsLower = srcIsLower;
      this.v4.find(srcIsLower ? a : b, srcIsLower ? b : a, srcIsLower ? (srcPort << 16) | dstPort : (dstPort << 16) | srcPort);
      tuples = this.v4;
    } else {
      this.srcIsLower = compareEndpoints(buf, src, srcPort, dst, dstPort, 16) <= 0;
      this.v6.find(buf, src, dst, srcPort, dstPort, this.srcIsLower);
      tuples = this.v6;
    }
    const srcIsLower = this.srcIsLower;

    this.isNew = false;
    let stream: number;
    if (tuples.found < 0) {
      stream = this.open(tuples, tuples.add(), srcIsLower);
    } else {
      stream = tuples.stream[tuples.found];
      if ((flags & (SYN | ACK)) === SYN) {
        const fromA = srcIsLower === (this.aIsLower[stream] === 1);
        const bit = fromA ? 1 : 2;
        const base = fromA ? this.baseA[stream] : this.baseB[stream];
        if (this.baseSet[stream] & bit && base !== seq) stream = this.open(tuples, tuples.found, srcIsLower);
      }
    }

    const fromA = srcIsLower === (this.aIsLower[stream] === 1);
    this.fromA = fromA;
    // tcp_analyze_sequence_number: the sender's base from its first packet, the receiver's from the first ACK.
    const own = fromA ? 1 : 2;
    const peer = fromA ? 2 : 1;
    if (!(this.baseSet[stream] & own)) {
      const base = flags & SYN ? seq : (seq - 1) >>> 0;
      if (fromA) this.baseA[stream] = base;
      else this.baseB[stream] = base;
      this.baseSet[stream] |= own;
    }
    if (!(this.baseSet[stream] & peer) && flags & ACK) {
      const base = (ack - 1) >>> 0;
      if (fromA) this.baseB[stream] = base;
      else this.baseA[stream] = base;
      this.baseSet[stream] |= peer;
    }
    return stream;
  }

  private open(tuples: Tuples, tuple: number, srcIsLower: boolean): number {
    const stream = this.next++;
    if (stream === this.aIsLower.length) {
      this.aIsLower = grow(this.aIsLower);
      this.baseA = grow(this.baseA);
      this.baseB = grow(this.baseB);
      this.baseSet = grow(this.baseSet);
    }
    this.aIsLower[stream] = srcIsLower ? 1 : 0;
    this.baseSet[stream] = 0;
    tuples.stream[tuple] = stream;
    this.isNew = true;
    return stream;
  }
}

/** 4-tuples of one address family: an open-addressing hash of tuple index + 1 (0: empty), and each tuple's current stream. */
interface Tuples {
  /** Set by find(): the tuple's index, or -1 (then add() stores the key find() was given). */
  found: number;
  stream: Int32Array;
  add(): number;
}

/** IPv4 4-tuples as three 32-bit words: lower address, higher address, ports (lower endpoint's high). */
class Ipv4Tuples implements Tuples {
  found = -1;
  stream = new Int32Array(1024);
  private keys = new Uint32Array(1024 * 3);
  private table = new Int32Array(4096);
  private count = 0;
  private slot = 0;
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;

  find(low: number, high: number, ports: number): void {
    const mask = this.table.length - 1;
    let h = mix(low, high, ports) & mask;
    const keys = this.keys;
    for (;;) {
      const entry = this.table[h];
      if (entry === 0) break;
      const at = (entry - 1) * 3;
      if (keys[at] === low && keys[at + 1] === high && keys[at + 2] === ports >>> 0) {
        this.found = entry - 1;
        return;
      }
      h = (h + 1) & mask;
    }
    this.found = -1;
    this.slot = h;
    this.k0 = low;
    this.k1 = high;
    this.k2 = ports >>> 0;
  }

  add(): number {
    const tuple = this.count++;
    if (tuple === this.stream.length) {
      this.stream = grow(this.stream);
      this.keys = grow(this.keys);
    }
    this.keys[tuple * 3] = this.k0;
    this.keys[tuple * 3 + 1] = this.k1;
    this.keys[tuple * 3 + 2] = this.k2;
    this.table[this.slot] = tuple + 1;
    if (this.count * 2 > this.table.length) {
      const table = new Int32Array(this.table.length * 2);
      const mask = table.length - 1;
      for (let t = 0; t < this.count; t++) {
        let h = mix(this.keys[t * 3], this.keys[t * 3 + 1], this.keys[t * 3 + 2]) & mask;
        while (table[h] !== 0) h = (h + 1) & mask;
        table[h] = t + 1;
      }
      this.table = table;
    }
    return tuple;
  }
}

/** IPv6 (or any) 4-tuples keyed by their bytes: version, lower endpoint (16 + 2), higher endpoint. */
class ByteTuples implements Tuples {
  found = -1;
  stream = new Int32Array(1024);
  private keys = new Uint8Array(1024 * KEY_BYTES);
  private table = new Int32Array(4096);
  private count = 0;
  private slot = 0;
  private readonly key = new Uint8Array(KEY_BYTES);

  find(buf: Uint8Array, src: number, dst: number, srcPort: number, dstPort: number, srcIsLower: boolean): void {
    const key = this.key;
    key[0] = 6;
    const low = srcIsLower ? src : dst;
    const high = srcIsLower ? dst : src;
    const lowPort = srcIsLower ? srcPort : dstPort;
    const highPort = srcIsLower ? dstPort : srcPort;
    for (let i = 0; i < 16; i++) {
      key[1 + i] = buf[low + i];
      key[19 + i] = buf[high + i];
    }
    key[17] = lowPort >> 8;
    key[18] = lowPort & 0xff;
    key[35] = highPort >> 8;
    key[36] = highPort & 0xff;
    const mask = this.table.length - 1;
    let h = hash(key) & mask;
    while (this.table[h] !== 0) {
      const candidate = this.table[h] - 1;
      if (sameKey(this.keys, candidate * KEY_BYTES, key)) {
        this.found = candidate;
        return;
      }
      h = (h + 1) & mask;
    }
    this.found = -1;
    this.slot = h;
  }

  add(): number {
    const tuple = this.count++;
    if (tuple === this.stream.length) {
      this.stream = grow(this.stream);
      const keys = new Uint8Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    this.keys.set(this.key, tuple * KEY_BYTES);
    this.table[this.slot] = tuple + 1;
    if (this.count * 2 > this.table.length) {
      const table = new Int32Array(this.table.length * 2);
      const mask = table.length - 1;
      for (let t = 0; t < this.count; t++) {
        let h = hash(this.keys.subarray(t * KEY_BYTES, (t + 1) * KEY_BYTES)) & mask;
        while (table[h] !== 0) h = (h + 1) & mask;
        table[h] = t + 1;
      }
      this.table = table;
    }
    return tuple;
  }
}

/** A 32-bit hash of three 32-bit words (murmur3's finaliser per word). */
function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function be32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

function grow<T extends Uint8Array | Uint32Array | Int32Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array as never);
  return bigger;
}

/** FNV-1a over the key bytes. */
function hash(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < KEY_BYTES; i++) h = Math.imul(h ^ key[i], 0x01000193);
  return h >>> 0;
}

function sameKey(keys: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let i = 0; i < KEY_BYTES; i++) if (keys[at + i] !== key[i]) return false;
  return true;
}

/** Orders endpoints by address bytes, then port. */
function compareEndpoints(buf: Uint8Array, a: number, aPort: number, b: number, bPort: number, length: number): number {
  for (let i = 0; i < length; i++) {
    const d = buf[a + i] - buf[b + i];
    if (d !== 0) return d;
  }
  return aPort - bPort;
}
