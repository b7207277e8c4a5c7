/**
 * HTTP/2 bytes for tests: frames and literal-only header blocks (server/src/http2/hpack.ts's
 * encoder), as latin1 strings so they go through the rule test kit's segment scripts.
 */
import { encodeLiteralBlock } from '../../../server/src/http2/hpack';
import { CLIENT_PREFACE, FrameFlag, FrameType } from '../../../server/src/http2/http2Frames';

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array | string = new Uint8Array()): string {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
  const header = Buffer.alloc(9);
  header.writeUIntBE(body.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, body]).toString('latin1');
}

export function headers(streamId: number, fields: [string, string][], endStream = false): string {
  return frame(FrameType.HEADERS, FrameFlag.END_HEADERS | (endStream ? FrameFlag.END_STREAM : 0), streamId, encodeLiteralBlock(fields));
}

export function data(streamId: number, body: string, endStream = true): string {
  return frame(FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId, body);
}

export function rstStream(streamId: number, errorCode: number): string {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(errorCode);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function goaway(lastStreamId: number, errorCode: number, debug = ''): string {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(errorCode, 4);
  return frame(FrameType.GOAWAY, 0, 0, Buffer.concat([payload, Buffer.from(debug, 'latin1')]));
}

export const SETTINGS = frame(FrameType.SETTINGS, 0, 0);
export const PREFACE = CLIENT_PREFACE + SETTINGS;

export const GET = (path: string): [string, string][] => [[':method', 'GET'], [':scheme', 'http'], [':path', path], [':authority', 'example.test']];
export const OK: [string, string][] = [[':status', '200']];
