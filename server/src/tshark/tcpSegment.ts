import type { Endpoint } from '../../../protocol/model';

/** TCP flag bits as tshark reports them in `tcp.flags`. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
} as const;

/** The per-segment facts the server needs from tshark; everything above TCP it derives itself. */
export interface TcpSegment {
  readonly frame: number;
  /** Seconds since the epoch. */
  readonly time: number;
  /** tshark's `tcp.stream` index: the conversation this segment belongs to. */
  readonly stream: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** Absolute (raw) sequence number, unsigned 32 bits. */
  readonly seq: number;
  readonly flags: number;
  readonly window: number;
  readonly payload: Uint8Array;
  /** Bytes this frame took in the capture, for progress estimates. */
  readonly capturedLength: number;
}

/** Where segments come from: tshark in production, a list in unit tests. */
export interface PacketSource {
  segments(signal?: AbortSignal): AsyncIterable<TcpSegment>;
}
