/**
 * Why a direction's bytes stop where they do, for the rules about messages cut short: the sender
 * closed its side (FIN), either side reset the connection (RST), the capture lost bytes, or the
 * capture simply ended. Only a FIN from the sender proves the sender meant to stop there; what a
 * reset cuts short is tcp-rst-mid-message's finding, so the rules here leave resets to it.
 */
import type { Direction } from '../../../protocol/model';
import type { HttpMessage } from '../http/httpMessage';
import { ParseIssueCode } from '../http/httpMessage';
import { looksLikeHttp } from '../http/parseHttpMessage';
import { directionOf, type Gap, type TcpConnection } from '../tcp/tcpReassembler';

export type DirectionEnd =
  /** A TCP gap at or after `from`: the capture missed bytes, so nothing can be said about the end. */
  | { readonly kind: 'gap'; readonly gap: Gap }
  /** Either side reset the connection: tcp-rst-mid-message reports what the reset cut short. */
  | { readonly kind: 'reset'; readonly by: 'client' | 'server'; readonly frame: number }
  /** The sender closed its side (FIN) after its last byte: it meant to stop there. */
  | { readonly kind: 'sender-closed'; readonly frame: number }
  /** No FIN or RST was captured: the capture stopped. */
  | { readonly kind: 'capture-ended' };

export function otherDirection(direction: Direction): Direction {
  return direction === 'client-to-server' ? 'server-to-client' : 'client-to-server';
}

export function directionOfMessage(message: HttpMessage): Direction {
  return message.kind === 'request' ? 'client-to-server' : 'server-to-client';
}

/** How the bytes of `direction` from offset `from` onwards come to an end. */
export function directionEnd(connection: TcpConnection, direction: Direction, from: number): DirectionEnd {
  const own = directionOf(connection, direction);
  const gap = own.gaps.find((g) => g.offset >= from);
  if (gap) return { kind: 'gap', gap };
  const peer = directionOf(connection, otherDirection(direction));
  const sender = direction === 'client-to-server' ? 'client' : 'server';
  const receiver = sender === 'client' ? 'server' : 'client';
  if (own.rstFrame !== undefined && (peer.rstFrame === undefined || own.rstFrame <= peer.rstFrame)) return { kind: 'reset', by: sender, frame: own.rstFrame };
  if (peer.rstFrame !== undefined) return { kind: 'reset', by: receiver, frame: peer.rstFrame };
  if (own.finFrame !== undefined) return { kind: 'sender-closed', frame: own.finFrame };
  return { kind: 'capture-ended' };
}

/**
 * True when the message ended early only because the capture or the connection did, not because
 * the parser gave up on malformed framing (an invalid chunk size is its own rule).
 */
export function cutShort(message: HttpMessage): boolean {
  return !message.complete && !message.issues.some((issue) => issue.code === ParseIssueCode.InvalidChunkSize);
}

/**
 * The bytes after a message that the parser could not read as the next message (it stopped with
 * "not-http" right there), or undefined when there are none. Empty lines before a request line
 * are allowed (RFC 9112 §2.2) and skipped; when only stray CR/LF bytes stand before something
 * that starts like the next message, just those bytes are returned.
 */
export function bytesAfter(
  message: HttpMessage,
  bytes: Uint8Array,
  stops: readonly { readonly direction: Direction; readonly offset: number; readonly reason: string }[],
): { offset: number; length: number; strayLineEnds: boolean } | undefined {
  const isLineEnd = (at: number) => bytes[at] === 0x0d || bytes[at] === 0x0a;
  let start = message.end;
  while (message.kind === 'request' && start < bytes.length && isLineEnd(start)) start++;
  if (start >= bytes.length) return undefined;
  const direction = directionOfMessage(message);
  if (!stops.some((s) => s.direction === direction && s.offset === start && s.reason === 'not-http')) return undefined;
  let after = start;
  while (after < bytes.length && isLineEnd(after)) after++;
  if (after > start && after < bytes.length && looksLikeHttp(bytes.subarray(after), message.kind)) {
    return { offset: start, length: after - start, strayLineEnds: true };
  }
  return { offset: start, length: bytes.length - start, strayLineEnds: false };
}
