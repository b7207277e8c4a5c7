import type { Direction, RelatedBytes } from '../../../protocol/model';
import type { HttpMessage } from '../http/httpMessage';
import { latin1, looksLikeHttp, readLine } from '../http/parseHttpMessage';
import { frameAt, type ReassembledDirection } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { connectionOptions, count } from './connectionFacts';
import { describeField, fieldRange, lineRange, type ConnectionRule, type RuleHit } from './rule';
import { fieldsNamed } from '../http/httpMessage';

/** Why a message ends the connection (RFC 9112 §9.3, §9.6), with the bytes that say so. */
interface Announcement {
  readonly message: HttpMessage;
  readonly direction: Direction;
  /** Frame in which the announcement's header section ended: when the peer could know. */
  readonly knownFrame: number;
  readonly why: string;
  readonly related: RelatedBytes;
}

function announcement(message: HttpMessage, bytes: ReassembledDirection): Announcement | undefined {
  const direction: Direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
  const options = connectionOptions(message);
  const knownFrame = frameAt(bytes, Math.max(message.offset, message.headerSectionEnd - 1));
  const side = message.kind === 'request' ? 'request' : 'response';
  const start = escapeLatin1(latin1(bytes.bytes, message.startLine.offset, message.startLine.length));
  if (options.includes('close')) {
    const field = fieldsNamed(message, 'connection').find((f) => f.value.split(',').some((t) => t.trim().toLowerCase() === 'close'))!;
    return {
      message,
      direction,
      knownFrame,
      why: `its ${side} "${start}" (frame ${frameAt(bytes, message.offset)}) said "${describeField(field)}"`,
      related: { ...fieldRange(field), direction, message: `"${describeField(field)}": the connection ends after this exchange` },
    };
  }
  const version = message.kind === 'request' ? message.requestLine.version : message.statusLine.version;
  if (version === 'HTTP/1.0' && !options.includes('keep-alive')) {
    return {
      message,
      direction,
      knownFrame,
      why: `its ${side} "${start}" (frame ${frameAt(bytes, message.offset)}) is HTTP/1.0 without keep-alive`,
      related: { ...lineRange(message.startLine), direction, message: 'HTTP/1.0 without "Connection: keep-alive": the connection ends after this exchange' },
    };
  }
  return undefined;
}

/** The first byte at or after `offset` that is not CR or LF (stray line ends may be discarded, RFC 9112 §2.2). */
function skipLineEnds(bytes: Uint8Array, offset: number): number {
  let at = offset;
  while (at < bytes.length && (bytes[at] === 0x0d || bytes[at] === 0x0a)) at++;
  return at;
}

/**
 * A message sent on a connection after one side said it would close: a `close` connection
 * option (RFC 9112 §9.6), or HTTP/1.0 without keep-alive (§9.3). Judged per sender:
 *
 * - the client must send no request after its own "close", nor after it received the server's
 *   (requests it pipelined before the server's "close" arrived are not its fault: the capture's
 *   frame order says which came first);
 * - the server must close after the response that carried or answered a "close", so any further
 *   response is a violation.
 *
 * One finding per sender, on the first message it should not have sent; the message counts the
 * rest, and `related` points at the bytes that announced the close.
 */
export const connectionCloseReuse: ConnectionRule = {
  scope: 'connection',
  id: 'connection-close-reuse',
  title: 'Message sent on a connection announced to close',
  severity: 'warning',
  rfc: { document: 'RFC 9112', section: '9.6', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-9.6' },
  description:
    'A request or response was sent on a connection after a "Connection: close" was sent or received on it, or after an HTTP/1.0 message without keep-alive. ' +
    'RFC 9112 §9.6: a client that sends or receives "close" must not send further requests, and a server must close the connection after the response and must not process further requests. ' +
    'The extra message races the close: it may be answered, silently dropped, or met with a TCP reset that also destroys the response before it, which surfaces as "connection reset by peer" or as a proxy\'s 502/503.',
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Never reuses such a connection: an upstream response with Connection: close (or HTTP/1.0 without keep-alive) closes the upstream connection after it; a downstream request with close makes Envoy close the client connection after its response, so later pipelined requests get no answer.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/conn_pool.cc StreamWrapper::decodeHeaders (HeaderUtility::shouldCloseConnection); source/common/http/conn_manager_impl.cc ActiveStream::encodeHeaders (saw_connection_close_ → DrainState::Closing)',
    },
  ],
  check({ connection, http }) {
    if (http.protocol !== 'http') return [];
    const c2s = connection.clientToServer;
    const s2c = connection.serverToClient;
    const hits: (RuleHit & { direction: Direction })[] = [];

    // Announcements, in byte order per direction (1xx responses do not end anything).
    const clientClose = http.requests.findIndex((request) => announcement(request, c2s));
    const finals = http.exchanges.filter((exchange) => exchange.response);
    const serverCloseExchange = finals.find((exchange) => announcement(exchange.response!, s2c));
    const clientAnnouncement = clientClose >= 0 ? announcement(http.requests[clientClose], c2s) : undefined;
    const serverAnnouncement = serverCloseExchange ? announcement(serverCloseExchange.response!, s2c) : undefined;

    // The client: requests after its own close, or sent once the server's close had arrived.
    const clientRules: { reason: Announcement; from: number; applies: (offset: number) => boolean }[] = [];
    if (clientAnnouncement?.message.complete) {
      const from = skipLineEnds(c2s.bytes, clientAnnouncement.message.end);
      clientRules.push({ reason: clientAnnouncement, from, applies: (offset) => offset >= from });
    }
    if (serverAnnouncement) {
      const late = http.requests.find((request) => frameAt(c2s, request.offset) > serverAnnouncement.knownFrame);
      if (late) clientRules.push({ reason: serverAnnouncement, from: late.offset, applies: (offset) => frameAt(c2s, offset) > serverAnnouncement.knownFrame });
    }
    // The server: anything after the response that carried a close, or answered a request that did.
    const serverRules: typeof clientRules = [];
    const after = (response: HttpMessage | undefined, reason: Announcement) => {
      if (!response?.complete) return;
      const from = skipLineEnds(s2c.bytes, response.end);
      serverRules.push({ reason, from, applies: (offset) => offset >= from });
    };
    if (serverAnnouncement) after(serverAnnouncement.message, serverAnnouncement);
    if (clientAnnouncement) after(http.exchanges.find((exchange) => exchange.request === clientAnnouncement.message)?.response, clientAnnouncement);

    for (const [direction, bytes, messages, rules] of [
      ['client-to-server', c2s, http.requests, clientRules],
      ['server-to-client', s2c, http.responses, serverRules],
    ] as const) {
      // Only what starts like a further message: other bytes after a message are its framing's problem (other rules).
      const kind = direction === 'client-to-server' ? 'request' : 'response';
      const candidates = rules.map((rule) => rule.from).filter((from) => from < bytes.bytes.length && looksLikeHttp(bytes.bytes.subarray(from), kind));
      if (candidates.length === 0) continue;
      const offset = Math.min(...candidates);
      const reasons = rules.filter((rule) => rule.applies(offset)).map((rule) => rule.reason);
      hits.push(offending(direction, bytes, messages, offset, reasons));
    }
    return hits;
  },
};

function offending(
  direction: Direction,
  bytes: ReassembledDirection,
  messages: readonly HttpMessage[],
  offset: number,
  reasons: readonly Announcement[],
): RuleHit & { direction: Direction } {
  const parsed = messages.find((message) => message.offset === offset);
  const later = messages.filter((message) => message.offset > offset).length;
  const line = readLine(bytes.bytes, offset);
  const firstLine = escapeLatin1(latin1(bytes.bytes, offset, line ? line.length : Math.min(80, bytes.bytes.length - offset)));
  const end = parsed ? parsed.end : bytes.bytes.length;
  const frame = frameAt(bytes, offset);
  const why = reasons.map((reason) => `the ${reason.direction === 'client-to-server' ? 'client' : 'server'}'s ${reason.why.slice('its '.length)}`).join(', and ');
  const what = direction === 'client-to-server' ? 'Request' : 'Response';
  const more = later > 0 ? ` ${count(later, direction === 'client-to-server' ? 'more request' : 'more response')} followed.` : '';
  const rule =
    direction === 'client-to-server'
      ? 'A client must not send further requests after sending or receiving "close", and a server must not process them (RFC 9112 §9.6)'
      : 'A server must close the connection after the response that carried or answered "close" (RFC 9112 §9.6)';
  return {
    direction,
    offset,
    length: end - offset,
    message: `${what} "${firstLine}" (frame ${frame}) was sent after the connection was announced to close: ${why}. ${rule}; the message races the close and may be dropped or met with a TCP reset.${more}`,
    related: reasons.map((reason) => reason.related),
  };
}
