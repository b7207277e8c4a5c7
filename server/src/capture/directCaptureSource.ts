/**
 * The direct reader behind the existing PacketSource interface: every TCP segment of an indexed
 * pcap/pcapng in file order, with tshark's stream ids, exactly as TsharkCaptureSource yields them
 * (the differential tests compare the two field by field), so the TcpReassembler and the
 * analysis consume it unchanged.
 */
import type { PacketSource, TcpSegment } from '../tshark/tcpSegment';
import { TsharkError } from '../tshark/tsharkError';
import { packetsInFileOrder, type CaptureIndex } from './captureIndex';
import { PacketReader, SegmentMaker } from './packetReader';

const BATCH = 4096;

export class DirectCaptureSource implements PacketSource {
  constructor(private readonly index: CaptureIndex) {}

  async *segments(signal?: AbortSignal): AsyncIterable<TcpSegment> {
    const reader = new PacketReader(this.index);
    const maker = new SegmentMaker(this.index);
    const order = packetsInFileOrder(this.index.packets);
    try {
      for (let start = 0; start < order.length; start += BATCH) {
        if (signal?.aborted) throw new TsharkError('cancelled', `Reading ${this.index.file} was cancelled.`);
        const segments: TcpSegment[] = [];
        reader.read(order.subarray(start, start + BATCH), (packet, record, buf) => segments.push(maker.make(packet, record, buf)));
        yield* segments;
      }
    } finally {
      reader.close();
    }
  }
}
