/** Words for HTTP/2 findings and documents: which exchange a stream is, who sent a frame. */
import type { Direction } from '../../../protocol/model';
import { escapeLatin1 } from '../text/escapeBytes';
import { fieldValue, headerBlocksOf, type Http2Conversation, type Http2Field, type Http2HeaderBlock, type Http2Stream } from './http2Conversation';
import { frameEnd, type Http2Frame } from './http2Frames';

export const SENDER: Record<Direction, string> = { 'client-to-server': 'the client', 'server-to-client': 'the server' };

/** `stream 3 (GET /keep-alive)`, or `stream 3` when its request headers are unknown. */
export function streamLabel(stream: Http2Stream): string {
  const method = fieldValue(stream.request.headers, ':method');
  const path = fieldValue(stream.request.headers, ':path');
  const what = method || path ? ` (${escapeLatin1([method, path].filter(Boolean).join(' '))})` : stream.upgraded ? ' (the upgraded HTTP/1.1 request)' : '';
  return `stream ${stream.id}${what}`;
}

/** `connection: keep-alive`, bytes escaped. */
export function fieldText(field: Http2Field): string {
  return escapeLatin1(`${field.name}: ${field.value}`);
}

/** A whole frame's bytes (header and payload) as a finding range. */
export function frameRange(frame: Http2Frame): { offset: number; length: number } {
  return { offset: frame.offset, length: frameEnd(frame) - frame.offset };
}

/** A field's HPACK representation as a finding range. */
export function fieldRange(field: Http2Field): { offset: number; length: number } {
  return { offset: field.offset, length: Math.max(1, field.length) };
}

export type BlockRole = ReturnType<typeof headerBlocksOf>[number]['role'];

/** Every header block of every stream, with its stream and role. */
export function allHeaderBlocks(http2: Http2Conversation): { stream: Http2Stream; block: Http2HeaderBlock; role: BlockRole }[] {
  return http2.streams.flatMap((stream) => headerBlocksOf(stream).map(({ block, role }) => ({ stream, block, role })));
}

const ROLE_WORDS: Record<BlockRole, string> = {
  request: 'request headers',
  response: 'response headers',
  informational: 'informational response headers',
  trailers: 'trailers',
  'push-promise': 'pushed request headers (PUSH_PROMISE)',
};

export function roleWords(role: BlockRole): string {
  return ROLE_WORDS[role];
}
