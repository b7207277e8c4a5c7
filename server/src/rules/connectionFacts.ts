/**
 * Small facts about a connection that connection- and capture-scope rules share: which segment
 * carried a byte, what came after a frame, the tokens of a Connection field, who is who.
 */
import type { Direction } from '../../../protocol/model';
import { fieldsNamed, type HttpMessage } from '../http/httpMessage';
import type { ReassembledDirection, SegmentSpan, TcpConnection } from '../tcp/tcpReassembler';
export { spanAt } from '../tcp/tcpReassembler';

/** The first segment run of `direction` captured after `frame`, if any. */
export function firstSpanAfter(direction: ReassembledDirection, frame: number): SegmentSpan | undefined {
  let best: SegmentSpan | undefined;
  for (const span of direction.spans) if (span.frame > frame && (!best || span.frame < best.frame)) best = span;
  return best;
}

/** The last segment run of `direction` captured before `frame`, if any. */
export function lastSpanBefore(direction: ReassembledDirection, frame: number): SegmentSpan | undefined {
  let best: SegmentSpan | undefined;
  for (const span of direction.spans) if (span.frame < frame && (!best || span.frame > best.frame)) best = span;
  return best;
}

/** The connection options of a message (RFC 9110 §7.6.1), lower-cased, from every Connection line. */
export function connectionOptions(message: HttpMessage): string[] {
  return fieldsNamed(message, 'connection')
    .flatMap((field) => field.value.split(','))
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token.length > 0);
}

/** "client" or "server": the side that sends bytes in `direction`. */
export function senderOf(direction: Direction): 'client' | 'server' {
  return direction === 'client-to-server' ? 'client' : 'server';
}

export function otherDirection(direction: Direction): Direction {
  return direction === 'client-to-server' ? 'server-to-client' : 'client-to-server';
}

/** "1 request" / "2 requests". */
export function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Seconds with a sensible precision for a message ("0.004 s", "36.6 s"). */
export function seconds(value: number): string {
  return value >= 10 ? `${value.toFixed(1)} s` : value >= 1 ? `${value.toFixed(2)} s` : `${value.toFixed(3)} s`;
}

/** The earliest RST of the connection and who sent it. */
export function firstReset(connection: TcpConnection): { frame: number; by: 'client' | 'server' } | undefined {
  const c = connection.clientToServer.rstFrame;
  const s = connection.serverToClient.rstFrame;
  if (c === undefined && s === undefined) return undefined;
  if (s === undefined || (c !== undefined && c <= s)) return { frame: c!, by: 'client' };
  return { frame: s, by: 'server' };
}
