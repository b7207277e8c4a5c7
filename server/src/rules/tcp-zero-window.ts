import type { Direction, RelatedBytes } from '../../../protocol/model';
import type { HttpMessage } from '../http/httpMessage';
import { latin1 } from '../http/parseHttpMessage';
import { directionOf, type SegmentSpan } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { count, firstSpanAfter, lastSpanBefore, otherDirection, seconds, senderOf } from './connectionFacts';
import type { ConnectionRule, RuleHit } from './rule';

/** One period in which a receiver's window stayed shut, and what it held back. */
interface Stall {
  readonly zeroFrames: number[];
  /** The sender's first bytes after the window closed (absent: it never sent again). */
  readonly resumed?: SegmentSpan;
  /** The sender's last bytes before the window closed. */
  readonly before?: SegmentSpan;
  /** The message the sender was in the middle of, when known. */
  readonly message?: HttpMessage;
}

/**
 * A receiver advertised a zero window while its peer still had data to send. The zero-window
 * segment itself is usually a bare ACK: it has no payload of its own, so the finding points at
 * the data it held back, in the sender's direction:
 *
 * - when the sender resumed, the first segment it could send after the window closed (the bytes
 *   that waited; the finding's frame is the frame that finally carried them, the message says how
 *   long they waited and names the zero-window frame);
 * - when it never resumed, the last segment it sent before the window closed (the stall ended the
 *   connection: nothing after those bytes arrived).
 *
 * "Data pending" means the sender was inside a message: the bytes after the stall continue a
 * message that began before it, or the message was never finished. A zero window on an idle
 * keep-alive connection, before the next request starts, holds nothing back and is not reported.
 * Non-HTTP streams have no message boundaries to tell: there, any bytes after the stall count.
 */
export const tcpZeroWindow: ConnectionRule = {
  scope: 'connection',
  id: 'tcp-zero-window',
  title: 'Receiver advertised a zero window while data was pending',
  severity: 'warning',
  rfc: { document: 'RFC 9293', section: '3.8.6.1', url: 'https://www.rfc-editor.org/rfc/rfc9293#section-3.8.6.1' },
  description:
    'One side advertised a receive window of zero while the other side was in the middle of sending a message, so the sender had to stop and probe (RFC 9293 §3.8.6.1) until the window opened again. ' +
    'A zero window means the receiving application stopped reading: a slow or stuck consumer, a full proxy buffer, a backend that does not read the request body. ' +
    'Nothing is malformed, but the stall is what later shows up as a timeout: 504 from a proxy, a client read timeout, or a reset when one side gives up.',
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'An upstream that stalls the exchange until the route timeout (15 s by default) gets its request reset; the client gets 504, flag UT, body "upstream request timeout" (details response_timeout).',
      source: 'cited',
      reference: 'envoyproxy/envoy source/common/router/router.cc Filter::onResponseTimeout, Filter::onUpstreamTimeoutAbort',
    },
  ],
  check({ connection, http }) {
    const hits: (RuleHit & { direction: Direction })[] = [];
    for (const receiverDirection of ['client-to-server', 'server-to-client'] as const) {
      const zeroFrames = [...directionOf(connection, receiverDirection).zeroWindowFrames].sort((a, b) => a - b);
      if (zeroFrames.length === 0) continue;
      const direction = otherDirection(receiverDirection); // the sender that was held back
      const sender = directionOf(connection, direction);
      const messages: readonly HttpMessage[] = direction === 'client-to-server' ? http.requests : http.responses;

      const stalls: Stall[] = [];
      for (const frame of zeroFrames) {
        const resumed = firstSpanAfter(sender, frame);
        const last = stalls[stalls.length - 1];
        if (last && last.resumed === resumed) {
          last.zeroFrames.push(frame);
          continue;
        }
        const before = lastSpanBefore(sender, frame);
        stalls.push({ zeroFrames: [frame], resumed, before, message: pendingMessage(http.protocol === 'http', messages, resumed, before) });
      }
      const pending = stalls.filter((stall) => stall.message !== undefined || (http.protocol !== 'http' && stall.resumed !== undefined));
      if (pending.length === 0) continue;
      hits.push(finding(direction, sender.bytes, pending));
    }
    return hits;
  },
};

/** The message the sender was inside when its window closed, or undefined when nothing was pending. */
function pendingMessage(
  isHttp: boolean,
  messages: readonly HttpMessage[],
  resumed: SegmentSpan | undefined,
  before: SegmentSpan | undefined,
): HttpMessage | undefined {
  if (!isHttp) return undefined;
  if (resumed) return messages.find((m) => m.offset < resumed.offset && resumed.offset < Math.max(m.end, m.offset + 1));
  // Never resumed: pending only if the message the last bytes belong to was never finished.
  if (!before) return undefined;
  const last = before.offset + before.length - 1;
  return messages.find((m) => !m.complete && m.offset <= last && last < Math.max(m.end, m.offset + 1));
}

function rangeOf(stall: Stall): { offset: number; length: number } {
  const span = stall.resumed ?? stall.before!;
  return { offset: span.offset, length: span.length };
}

function finding(direction: Direction, bytes: Uint8Array, stalls: readonly Stall[]): RuleHit & { direction: Direction } {
  const sender = senderOf(direction);
  const receiver = senderOf(otherDirection(direction));
  const [first, ...others] = stalls;
  const frames = first.zeroFrames;
  const zero = frames.length === 1 ? `frame ${frames[0]}` : `frames ${frames[0]}–${frames[frames.length - 1]}, ${frames.length} segments`;
  const inside = first.message
    ? ` while the ${sender} was in the middle of "${escapeLatin1(latin1(bytes, first.message.startLine.offset, first.message.startLine.length))}"`
    : '';
  let what: string;
  if (first.resumed) {
    const waited = first.before ? `, ${seconds(first.resumed.time - first.before.time)} after its previous bytes (frame ${first.before.frame})` : '';
    what = `its next bytes could only go out in frame ${first.resumed.frame}${waited}`;
  } else {
    what = `the ${sender} never sent again: these were its last bytes, and the message was never finished`;
  }
  const more = others.length > 0 ? ` The window closed with data pending ${count(others.length, 'more time')} on this connection.` : '';
  const related: RelatedBytes[] = others.slice(0, 20).map((stall) => ({
    ...rangeOf(stall),
    message: `Held back again by the ${receiver}'s zero window (frame ${stall.zeroFrames[0]})`,
  }));
  return {
    direction,
    ...rangeOf(first),
    message:
      `The ${receiver} advertised a zero receive window (${zero})${inside}: ${what}. ` +
      `A receiver that stops reading stalls its peer; proxies and clients see an exchange that does not progress and give up at their timeouts (Envoy: 504 UT "upstream request timeout").${more}`,
    ...(related.length ? { related } : {}),
  };
}
