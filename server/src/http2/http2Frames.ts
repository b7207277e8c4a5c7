/**
 * HTTP/2 framing (RFC 9113 §4, §6): one direction's bytes split into frames, each located by
 * the offset of its 9-byte header in that direction's reassembled (or decrypted) payload.
 */
import type { Direction } from '../../../protocol/model';

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const FrameFlag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

const FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];

export function frameTypeName(type: number): string {
  return FRAME_NAMES[type] ?? `unknown type 0x${type.toString(16)}`;
}

/** RFC 9113 §7. */
const ERROR_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];

/** `PROTOCOL_ERROR (0x1)`; unknown codes by number. */
export function errorCodeName(code: number): string {
  return `${ERROR_NAMES[code] ?? 'unknown error code'} (0x${code.toString(16)})`;
}

export const ErrorCode = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, CANCEL: 0x8, REFUSED_STREAM: 0x7 } as const;

/** The client connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

export interface Http2Frame {
  readonly direction: Direction;
  /** 1-based position among this direction's frames. */
  readonly index: number;
  /** Offset of the 9-byte frame header in the direction's bytes. */
  readonly offset: number;
  /** Payload length from the header (the capture may hold fewer bytes: see `complete`). */
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  /** False when the capture ends inside the frame. */
  readonly complete: boolean;
}

export function payloadOf(bytes: Uint8Array, frame: Http2Frame): Uint8Array {
  const start = frame.offset + 9;
  return bytes.subarray(start, Math.min(bytes.length, start + frame.length));
}

export function frameEnd(frame: Http2Frame): number {
  return frame.offset + 9 + frame.length;
}

export interface FrameSplit {
  readonly frames: Http2Frame[];
  /** Where framing stopped before `end`, and why. */
  readonly stop?: { readonly offset: number; readonly reason: string };
}

/** Frames of `bytes[start, end)`; `end` is where the data (or a capture gap) ends. */
export function splitFrames(bytes: Uint8Array, direction: Direction, start: number, end: number): FrameSplit {
  const frames: Http2Frame[] = [];
  let at = start;
  while (at < end) {
    if (at + 9 > end) return { frames, stop: { offset: at, reason: 'the capture ends inside a frame header' } };
    const length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
    const streamId = ((bytes[at + 5] & 0x7f) * 2 ** 24) + (bytes[at + 6] << 16) + (bytes[at + 7] << 8) + bytes[at + 8];
    const complete = at + 9 + length <= end;
    frames.push({ direction, index: frames.length + 1, offset: at, length, type: bytes[at + 3], flags: bytes[at + 4], streamId, complete });
    if (!complete) return { frames };
    at += 9 + length;
  }
  return { frames };
}
