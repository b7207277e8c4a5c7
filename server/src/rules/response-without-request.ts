import type { ConnectionRule } from './rule';
import type { HttpResponse } from '../http/httpMessage';
import { latin1 } from '../http/parseHttpMessage';
import { frameAt } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { count } from './connectionFacts';

/**
 * A response sent when no request was waiting for one. HTTP/1.1 has no request ids: responses
 * answer requests strictly in order (RFC 9112 §9.2), 1xx being interim. The rule replays the
 * connection in capture order, as the server lived it: a response answers a request only if that
 * request had started to arrive before the response left; a response with nothing outstanding
 * answers nothing (and is not counted as an answer). Pairing by count alone would blame the last
 * responses on the connection instead of the stray ones.
 *
 * Requests the capture cannot know about make the rule stay silent: a connection without a SYN
 * (earlier requests may predate the capture), and anything after a gap or unparsed bytes in the
 * client's direction.
 */
export const responseWithoutRequest: ConnectionRule = {
  scope: 'connection',
  id: 'response-without-request',
  title: 'Response with no request left to answer',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '9.2', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-9.2' },
  description:
    'The server sent a response while no request on the connection was waiting for one. HTTP/1.1 pairs responses with requests by order alone (RFC 9112 §9.2), ' +
    'so a client must not treat such data as a valid response and should close the connection. A client or proxy that does not notice takes the stray response ' +
    'as the answer to its next request, and every later response on the connection answers the wrong request (response queue desynchronisation, the visible half of request smuggling).',
  example: {
    request: 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n',
    response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray',
  },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Closes the upstream connection and counts upstream_cx_protocol_error: a response with no pending request is a premature response, extra bytes after a complete response are "extraneous data after response complete". ' +
        'The stray response never reaches a client (an unsolicited 408 is not counted as an error).',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ClientConnectionImpl::onHeadersCompleteBase (prematureResponseError), ClientConnectionImpl::dispatch; source/common/http/codec_client.cc CodecClient::onData',
    },
  ],
  check({ connection, http }) {
    if (http.protocol !== 'http' || !connection.clientKnown) return [];
    const c2s = connection.clientToServer;
    const s2c = connection.serverToClient;

    // From this frame on, the client may have sent requests we could not parse or did not capture.
    let unknownFrom = Infinity;
    const clientStop = http.stops.find((stop) => stop.direction === 'client-to-server');
    if (clientStop && clientStop.offset < c2s.bytes.length) unknownFrom = frameAt(c2s, clientStop.offset);
    const gap = c2s.gaps[0];
    if (gap) unknownFrom = Math.min(unknownFrom, gap.offset === 0 ? 0 : frameAt(c2s, gap.offset - 1));

    const requestFrames = http.requests.map((request) => frameAt(c2s, request.offset));
    const hits: ReturnType<ConnectionRule['check']> = [];
    let answered = 0;
    for (const response of http.responses) {
      const frame = frameAt(s2c, response.offset);
      if (frame >= unknownFrom) break;
      const sent = requestFrames.filter((requestFrame) => requestFrame < frame).length;
      if (sent - answered <= 0) {
        hits.push({ direction: 'server-to-client', offset: response.offset, length: response.end - response.offset, message: describe(s2c.bytes, response, frame, sent) });
        continue;
      }
      if (response.statusLine.status >= 200 || response.statusLine.status === 101) answered++;
    }
    return hits;
  },
};

function describe(bytes: Uint8Array, response: HttpResponse, frame: number, sent: number): string {
  const line = escapeLatin1(latin1(bytes, response.startLine.offset, response.startLine.length));
  const before =
    sent === 0 ? 'no request had been sent on this connection before it' : `the ${count(sent, 'request')} sent before it had already been answered`;
  const timeout =
    response.statusLine.status === 408 ? ' (A 408 on an idle connection usually announces a close; Envoy does not count it as a protocol error.)' : '';
  return (
    `Response "${line}" (frame ${frame}) answers no request: ${before}. HTTP/1.1 pairs responses with requests by order alone (RFC 9112 §9.2), ` +
    `so a client that sends another request here takes this response as its answer and every later response is off by one. ` +
    `Envoy closes the upstream connection (premature response).${timeout}`
  );
}
