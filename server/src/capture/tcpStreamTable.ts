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
 * Checked against tshark 4.0.17 by test/unit/capture/tcpStreamTable.test.ts on crafted cases.
 */

const SYN = 0x02;
const ACK = 0x10;

export interface StreamSlot {
  readonly stream: number;
  /** Whether the canonical lower endpoint of the 4-tuple is side A (the first packet's source). */
  readonly aIsLower: boolean;
  baseA: number;
  baseB: number;
  baseASet: boolean;
  baseBSet: boolean;
}

export class TcpStreamTable {
  private readonly byTuple = new Map<string, StreamSlot>();
  private next = 0;
  /** Set by assign(): whether the packet went from side A to side B, and whether it started a stream. */
  fromA = true;
  isNew = false;

  get count(): number {
    return this.next;
  }

  /**
   * The stream of one TCP packet. `key` names the unordered 4-tuple; `srcIsLower` says whether the
   * packet's source is the key's lower endpoint.
   */
  assign(key: string, srcIsLower: boolean, flags: number, seq: number, ack: number): StreamSlot {
    let slot = this.byTuple.get(key);
    this.isNew = false;
    if (slot === undefined) {
      slot = this.open(key, srcIsLower);
    } else if ((flags & (SYN | ACK)) === SYN) {
      const fromA = srcIsLower === slot.aIsLower;
      const baseSet = fromA ? slot.baseASet : slot.baseBSet;
      const base = fromA ? slot.baseA : slot.baseB;
      if (baseSet && base !== seq) slot = this.open(key, srcIsLower);
    }
    const fromA = srcIsLower === slot.aIsLower;
    this.fromA = fromA;
    // tcp_analyze_sequence_number: the sender's base from its first packet, the receiver's from the first ACK.
    if (fromA) {
      if (!slot.baseASet) {
        slot.baseA = flags & SYN ? seq : (seq - 1) >>> 0;
        slot.baseASet = true;
      }
      if (!slot.baseBSet && flags & ACK) {
        slot.baseB = (ack - 1) >>> 0;
        slot.baseBSet = true;
      }
    } else {
      if (!slot.baseBSet) {
        slot.baseB = flags & SYN ? seq : (seq - 1) >>> 0;
        slot.baseBSet = true;
      }
      if (!slot.baseASet && flags & ACK) {
        slot.baseA = (ack - 1) >>> 0;
        slot.baseASet = true;
      }
    }
    return slot;
  }

  private open(key: string, srcIsLower: boolean): StreamSlot {
    const slot: StreamSlot = { stream: this.next++, aIsLower: srcIsLower, baseA: 0, baseB: 0, baseASet: false, baseBSet: false };
    this.byTuple.set(key, slot);
    this.isNew = true;
    return slot;
  }
}

/**
 * Key of one endpoint of an IPv4 or IPv6 4-tuple, as a short string (2 or 8 UTF-16 units of
 * address, 1 of port) that compares like the bytes do. Built once per packet, no hex.
 */
export function endpointKey(ipVersion: 4 | 6, buf: Uint8Array, address: number, port: number): string {
  if (ipVersion === 4) return String.fromCharCode((buf[address] << 8) | buf[address + 1], (buf[address + 2] << 8) | buf[address + 3], port);
  return String.fromCharCode(
    (buf[address] << 8) | buf[address + 1],
    (buf[address + 2] << 8) | buf[address + 3],
    (buf[address + 4] << 8) | buf[address + 5],
    (buf[address + 6] << 8) | buf[address + 7],
    (buf[address + 8] << 8) | buf[address + 9],
    (buf[address + 10] << 8) | buf[address + 11],
    (buf[address + 12] << 8) | buf[address + 13],
    (buf[address + 14] << 8) | buf[address + 15],
    port,
  );
}
