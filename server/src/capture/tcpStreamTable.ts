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
 * allocation-free per packet (an open-addressing hash over the raw address and port bytes, state
 * in typed arrays): the index pass makes no garbage for a million packets.
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

  // 4-tuples: their key bytes and current stream; a hash table of tuple index + 1 (0: empty).
  private tupleCount = 0;
  private keys = new Uint8Array(1024 * KEY_BYTES);
  private tupleStream = new Int32Array(1024);
  private table = new Int32Array(4096);
  private readonly key = new Uint8Array(KEY_BYTES);

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
    const length = ipVersion === 4 ? 4 : 16;
    const srcIsLower = compareEndpoints(buf, src, srcPort, dst, dstPort, length) <= 0;
    const key = this.key;
    key.fill(0);
    key[0] = ipVersion;
    const low = srcIsLower ? src : dst;
    const high = srcIsLower ? dst : src;
    const lowPort = srcIsLower ? srcPort : dstPort;
    const highPort = srcIsLower ? dstPort : srcPort;
    for (let i = 0; i < length; i++) {
      key[1 + i] = buf[low + i];
      key[19 + i] = buf[high + i];
    }
    key[17] = lowPort >> 8;
    key[18] = lowPort & 0xff;
    key[35] = highPort >> 8;
    key[36] = highPort & 0xff;

    const mask = this.table.length - 1;
    let h = hash(key) & mask;
    let tuple = -1;
    while (this.table[h] !== 0) {
      const candidate = this.table[h] - 1;
      if (sameKey(this.keys, candidate * KEY_BYTES, key)) {
        tuple = candidate;
        break;
      }
      h = (h + 1) & mask;
    }

    this.isNew = false;
    let stream: number;
    if (tuple < 0) {
      tuple = this.addTuple(h);
      stream = this.open(tuple, srcIsLower);
    } else {
      stream = this.tupleStream[tuple];
      if ((flags & (SYN | ACK)) === SYN) {
        const fromA = srcIsLower === (this.aIsLower[stream] === 1);
        const bit = fromA ? 1 : 2;
        const base = fromA ? this.baseA[stream] : this.baseB[stream];
        if (this.baseSet[stream] & bit && base !== seq) stream = this.open(tuple, srcIsLower);
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

  private addTuple(slot: number): number {
    const tuple = this.tupleCount++;
    if (tuple === this.tupleStream.length) {
      this.tupleStream = grow(this.tupleStream);
      const keys = new Uint8Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    this.keys.set(this.key, tuple * KEY_BYTES);
    this.table[slot] = tuple + 1;
    if (this.tupleCount * 2 > this.table.length) this.rehash();
    return tuple;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let tuple = 0; tuple < this.tupleCount; tuple++) {
      let h = hash(this.keys.subarray(tuple * KEY_BYTES, (tuple + 1) * KEY_BYTES)) & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = tuple + 1;
    }
    this.table = table;
  }

  private open(tuple: number, srcIsLower: boolean): number {
    const stream = this.next++;
    if (stream === this.aIsLower.length) {
      this.aIsLower = grow(this.aIsLower);
      this.baseA = grow(this.baseA);
      this.baseB = grow(this.baseB);
      this.baseSet = grow(this.baseSet);
    }
    this.aIsLower[stream] = srcIsLower ? 1 : 0;
    this.baseSet[stream] = 0;
    this.tupleStream[tuple] = stream;
    this.isNew = true;
    return stream;
  }
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
