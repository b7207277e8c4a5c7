/**
 * An HTTP/2 connection (RFC 9113) as exchanges: both directions split into frames, header
 * blocks (HEADERS or PUSH_PROMISE and their CONTINUATIONs) decoded with one HPACK table per
 * direction, and frames grouped per stream into a request and a response (informational
 * headers, headers, data, trailers), with the RST_STREAM and GOAWAY frames that cut them.
 * Every field keeps the offset of its HPACK representation in the direction's bytes.
 *
 * Where HTTP/2 starts: prior knowledge (the client preface at byte 0, RFC 9113 §3.3), or an
 * HTTP/1.1 `Upgrade: h2c` answered by 101 (RFC 7540 §3.2; the request becomes stream 1).
 */
import type { Direction } from '../../../protocol/model';
import { HpackDecoder, type Representation } from './hpack';
import { CLIENT_PREFACE, FrameFlag, FrameType, frameEnd, payloadOf, splitFrames, type Http2Frame } from './http2Frames';

export interface Http2Field {
  readonly name: string;
  readonly value: string;
  /** The field's HPACK representation in the direction's bytes (may span a CONTINUATION header). */
  readonly offset: number;
  readonly length: number;
  readonly representation: Representation;
}

export interface Http2HeaderBlock {
  readonly direction: Direction;
  readonly streamId: number;
  /** HEADERS or PUSH_PROMISE, then any CONTINUATION frames. */
  readonly frames: readonly Http2Frame[];
  readonly fields: readonly Http2Field[];
  readonly endStream: boolean;
  /** False when END_HEADERS never came. */
  readonly complete: boolean;
  /** HPACK could not decode the block (to its end): the fields are those before the failure. */
  readonly error?: string;
  /** The first frame's header to the last frame's end. */
  readonly offset: number;
  readonly end: number;
}

export interface Http2Message {
  readonly direction: Direction;
  /** 1xx responses before the final one. */
  readonly informational: readonly Http2HeaderBlock[];
  readonly headers?: Http2HeaderBlock;
  readonly data: readonly Http2Frame[];
  /** DATA payload bytes, padding excluded (what content-length counts). */
  readonly dataLength: number;
  readonly trailers?: Http2HeaderBlock;
  /** The frame that carried END_STREAM, if the capture holds it. */
  readonly endStreamFrame?: Http2Frame;
}

export interface Http2Reset {
  readonly direction: Direction;
  readonly frame: Http2Frame;
  readonly errorCode: number;
}

export interface Http2Stream {
  readonly id: number;
  /** For a pushed stream, the PUSH_PROMISE's request (sent server-to-client). */
  readonly request: Http2Message;
  readonly response: Http2Message;
  readonly resets: readonly Http2Reset[];
  /** Stream 1 of an h2c upgrade: its request is the HTTP/1.1 upgrade request. */
  readonly upgraded: boolean;
  readonly pushed: boolean;
}

export interface Http2GoAway {
  readonly direction: Direction;
  readonly frame: Http2Frame;
  readonly lastStreamId: number;
  readonly errorCode: number;
  /** Additional debug data, as latin1. */
  readonly debug: string;
}

export interface Http2Conversation {
  readonly mode: 'prior-knowledge' | 'upgrade';
  /** Where the first frame starts in each direction. */
  readonly start: { readonly clientToServer: number; readonly serverToClient: number };
  readonly frames: readonly Http2Frame[];
  readonly streams: readonly Http2Stream[];
  readonly goaways: readonly Http2GoAway[];
  /** Where framing stopped early in a direction, and why. */
  readonly stops: readonly { readonly direction: Direction; readonly offset: number; readonly reason: string }[];
}

interface MutableMessage {
  direction: Direction;
  informational: Http2HeaderBlock[];
  headers?: Http2HeaderBlock;
  data: Http2Frame[];
  dataLength: number;
  trailers?: Http2HeaderBlock;
  endStreamFrame?: Http2Frame;
}

interface MutableStream {
  id: number;
  request: MutableMessage;
  response: MutableMessage;
  resets: Http2Reset[];
  upgraded: boolean;
  pushed: boolean;
}

const newMessage = (direction: Direction): MutableMessage => ({ direction, informational: [], data: [], dataLength: 0 });

function isInformational(block: Http2HeaderBlock): boolean {
  const status = block.fields.find((f) => f.name === ':status')?.value;
  return status !== undefined && /^1\d\d$/.test(status) && status !== '101';
}

/**
 * The header block fragment of a HEADERS / PUSH_PROMISE / CONTINUATION frame, or the data of a
 * DATA frame (padding and its length byte left out), as [start, end) in the direction.
 */
export function fragmentRange(bytes: Uint8Array, frame: Http2Frame): [number, number] {
  const payloadStart = frame.offset + 9;
  const payloadEnd = Math.min(bytes.length, frameEnd(frame));
  let start = payloadStart;
  let padding = 0;
  if (frame.type !== FrameType.CONTINUATION && frame.flags & FrameFlag.PADDED) {
    padding = bytes[start] ?? 0;
    start += 1;
  }
  if (frame.type === FrameType.HEADERS && frame.flags & FrameFlag.PRIORITY) start += 5;
  if (frame.type === FrameType.PUSH_PROMISE) start += 4;
  return [Math.min(start, payloadEnd), Math.max(Math.min(start, payloadEnd), Math.min(payloadEnd, frameEnd(frame) - padding))];
}

/** DATA payload without its padding (RFC 9113 §6.1). */
function dataLength(bytes: Uint8Array, frame: Http2Frame): number {
  if (!(frame.flags & FrameFlag.PADDED)) return frame.length;
  const padding = bytes[frame.offset + 9] ?? 0;
  return Math.max(0, frame.length - 1 - padding);
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) * 2 ** 24) + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
}

/** One direction's frames, its header blocks decoded in order with that direction's HPACK table. */
function readDirection(
  bytes: Uint8Array,
  direction: Direction,
  start: number,
  end: number,
): { frames: Http2Frame[]; blocks: Map<Http2Frame, { block: Http2HeaderBlock; promised?: number }>; stop?: { offset: number; reason: string } } {
  const { frames, stop } = splitFrames(bytes, direction, start, end);
  const decoder = new HpackDecoder();
  const blocks = new Map<Http2Frame, { block: Http2HeaderBlock; promised?: number }>();
  for (let i = 0; i < frames.length; i++) {
    const first = frames[i];
    if (first.type !== FrameType.HEADERS && first.type !== FrameType.PUSH_PROMISE) continue;
    const group = [first];
    while (!(group[group.length - 1].flags & FrameFlag.END_HEADERS) && frames[i + 1]?.type === FrameType.CONTINUATION) group.push(frames[++i]);
    const complete = !!(group[group.length - 1].flags & FrameFlag.END_HEADERS) && group.every((f) => f.complete);
    // The fragments, concatenated, with the direction offset of each piece so fields map back.
    const pieces = group.map((frame) => fragmentRange(bytes, frame));
    const total = pieces.reduce((n, [s, e]) => n + (e - s), 0);
    const block = new Uint8Array(total);
    const pieceStarts: number[] = [];
    let at = 0;
    for (const [s, e] of pieces) {
      pieceStarts.push(at);
      block.set(bytes.subarray(s, e), at);
      at += e - s;
    }
    const toDirection = (position: number) => {
      let piece = pieceStarts.length - 1;
      while (piece > 0 && pieceStarts[piece] > position) piece--;
      return pieces[piece][0] + (position - pieceStarts[piece]);
    };
    const decoded = complete ? decoder.decode(block) : { fields: [], error: { at: 0, message: 'the header block is incomplete in the capture' } };
    const fields: Http2Field[] = decoded.fields.map((field) => {
      const offset = toDirection(field.start);
      const last = toDirection(field.start + field.length - 1);
      return { name: field.name, value: field.value, offset, length: last + 1 - offset, representation: field.representation };
    });
    const promised = first.type === FrameType.PUSH_PROMISE ? readUint32(bytes, fragmentRange(bytes, first)[0] - 4) & 0x7fffffff : undefined;
    blocks.set(first, {
      block: {
        direction,
        streamId: promised ?? first.streamId,
        frames: group,
        fields,
        endStream: first.type === FrameType.HEADERS && !!(first.flags & FrameFlag.END_STREAM),
        complete,
        ...(decoded.error ? { error: `${decoded.error.message} (at byte ${toDirection(decoded.error.at)})` } : {}),
        offset: first.offset,
        end: frameEnd(group[group.length - 1]),
      },
      ...(promised !== undefined ? { promised } : {}),
    });
  }
  return { frames, blocks, ...(stop ? { stop } : {}) };
}

export interface Http2Start {
  readonly mode: Http2Conversation['mode'];
  /** Offset of the client preface in the client's bytes. */
  readonly clientPreface: number;
  /** Offset of the server's first frame. */
  readonly serverStart: number;
}

/** The first offset in `gaps` after `from`, else `length`. */
function regionEnd(length: number, gaps: readonly number[], from: number): number {
  return Math.min(length, ...gaps.filter((g) => g > from));
}

export function parseHttp2Conversation(
  clientToServer: Uint8Array,
  serverToClient: Uint8Array,
  start: Http2Start,
  gaps: { readonly clientToServer: readonly number[]; readonly serverToClient: readonly number[] } = { clientToServer: [], serverToClient: [] },
): Http2Conversation {
  const stops: { direction: Direction; offset: number; reason: string }[] = [];
  const preface = Buffer.from(CLIENT_PREFACE, 'latin1');
  const seen = clientToServer.subarray(start.clientPreface, start.clientPreface + preface.length);
  const clientStart = start.clientPreface + preface.length;
  let client: ReturnType<typeof readDirection> = { frames: [], blocks: new Map() };
  if (seen.length === preface.length && Buffer.from(seen).equals(preface)) {
    client = readDirection(clientToServer, 'client-to-server', clientStart, regionEnd(clientToServer.length, gaps.clientToServer, clientStart));
  } else if (start.clientPreface < clientToServer.length) {
    stops.push({ direction: 'client-to-server', offset: start.clientPreface, reason: 'no HTTP/2 client preface' });
  }
  const server = readDirection(serverToClient, 'server-to-client', start.serverStart, regionEnd(serverToClient.length, gaps.serverToClient, start.serverStart));
  if (client.stop) stops.push({ direction: 'client-to-server', ...client.stop });
  if (server.stop) stops.push({ direction: 'server-to-client', ...server.stop });
  for (const [direction, side, length] of [
    ['client-to-server', client, clientToServer.length],
    ['server-to-client', server, serverToClient.length],
  ] as const) {
    const last = side.frames[side.frames.length - 1];
    const reached = last ? frameEnd(last) : direction === 'client-to-server' ? clientStart : start.serverStart;
    if (!side.stop && reached < length && !(last && !last.complete) && !stops.some((s) => s.direction === direction)) stops.push({ direction, offset: reached, reason: 'gap in the capture' });
  }

  const streams = new Map<number, MutableStream>();
  const streamOf = (id: number) => {
    let stream = streams.get(id);
    if (!stream) {
      stream = { id, request: newMessage('client-to-server'), response: newMessage('server-to-client'), resets: [], upgraded: false, pushed: false };
      streams.set(id, stream);
    }
    return stream;
  };
  if (start.mode === 'upgrade') {
    const upgraded = streamOf(1);
    upgraded.upgraded = true;
  }
  const goaways: Http2GoAway[] = [];

  for (const [side, bytes] of [[client, clientToServer], [server, serverToClient]] as const) {
    for (const frame of side.frames) {
      const fromClient = frame.direction === 'client-to-server';
      if (frame.type === FrameType.GOAWAY && frame.complete) {
        const payload = payloadOf(bytes, frame);
        goaways.push({
          direction: frame.direction,
          frame,
          lastStreamId: readUint32(payload, 0) & 0x7fffffff,
          errorCode: readUint32(payload, 4),
          debug: Buffer.from(payload.subarray(8)).toString('latin1'),
        });
        continue;
      }
      if (frame.streamId === 0) continue;
      if (frame.type === FrameType.RST_STREAM && frame.complete) {
        streamOf(frame.streamId).resets.push({ direction: frame.direction, frame, errorCode: readUint32(payloadOf(bytes, frame), 0) });
        continue;
      }
      const entry = side.blocks.get(frame);
      if (entry) {
        const { block, promised } = entry;
        if (promised !== undefined) {
          const pushed = streamOf(promised);
          pushed.pushed = true;
          pushed.request = { ...newMessage('server-to-client'), headers: block, endStreamFrame: frame };
          continue;
        }
        const stream = streamOf(frame.streamId);
        const message = fromClient ? stream.request : stream.response;
        if (!fromClient && !message.headers && isInformational(block)) message.informational.push(block);
        else if (!message.headers && !(fromClient && stream.upgraded)) message.headers = block;
        else message.trailers ??= block;
        if (block.endStream) message.endStreamFrame ??= frame;
        continue;
      }
      if (frame.type === FrameType.DATA) {
        const stream = streamOf(frame.streamId);
        const message = fromClient ? stream.request : stream.response;
        message.data.push(frame);
        message.dataLength += dataLength(bytes, frame);
        if (frame.flags & FrameFlag.END_STREAM) message.endStreamFrame ??= frame;
      }
    }
  }
  const frames = [...client.frames, ...server.frames];
  return {
    mode: start.mode,
    start: { clientToServer: clientStart, serverToClient: start.serverStart },
    frames,
    streams: [...streams.values()].sort((a, b) => a.id - b.id),
    goaways,
    stops,
  };
}

/** The value of the first field named `name` (lowercase) in a block. */
export function fieldValue(block: Http2HeaderBlock | undefined, name: string): string | undefined {
  return block?.fields.find((field) => field.name.toLowerCase() === name)?.value;
}

/** Every header block of a stream, in the order a rule should visit them. */
export function headerBlocksOf(stream: Http2Stream): { block: Http2HeaderBlock; role: 'request' | 'response' | 'informational' | 'trailers' | 'push-promise' }[] {
  const out: { block: Http2HeaderBlock; role: 'request' | 'response' | 'informational' | 'trailers' | 'push-promise' }[] = [];
  if (stream.request.headers) out.push({ block: stream.request.headers, role: stream.pushed ? 'push-promise' : 'request' });
  if (stream.request.trailers) out.push({ block: stream.request.trailers, role: 'trailers' });
  for (const block of stream.response.informational) out.push({ block, role: 'informational' });
  if (stream.response.headers) out.push({ block: stream.response.headers, role: 'response' });
  if (stream.response.trailers) out.push({ block: stream.response.trailers, role: 'trailers' });
  return out;
}
