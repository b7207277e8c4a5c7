import type { Direction } from '../../../protocol/model';
import { ParseIssueCode, type HttpMessage } from '../http/httpMessage';
import { latin1 } from '../http/parseHttpMessage';
import { frameAt } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { count, firstReset } from './connectionFacts';
import type { ConnectionRule, RuleHit } from './rule';

/**
 * A TCP reset while HTTP was still in flight: a message cut short, or a request never answered.
 * This is what proxies log as "upstream reset" / "connection termination" and what clients see
 * as "connection reset by peer". A reset after every exchange completed (a keep-alive connection
 * torn down while idle) is normal and not reported.
 *
 * The finding covers what the reset destroyed, in this order of precedence:
 * - an incomplete response: its bytes as received (the client got a truncated answer);
 * - an incomplete request: its bytes as received (the upload was cut off);
 * - otherwise the first request left unanswered: its bytes (the last thing the client sent).
 * The message names who sent the RST and its frame.
 */
export const tcpRstMidMessage: ConnectionRule = {
  scope: 'connection',
  id: 'tcp-rst-mid-message',
  title: 'TCP reset while a message was incomplete or a request unanswered',
  severity: 'error',
  rfc: { document: 'RFC 9293', section: '3.10.7.4', url: 'https://www.rfc-editor.org/rfc/rfc9293#section-3.10.7.4' },
  description:
    'One side reset the TCP connection (RST) while a request or response was only partly sent, or while a request was still waiting for its response. ' +
    'A reset aborts the connection: both ends drop whatever is queued (RFC 9293 §3.10.7.4), so the message is lost, not merely late. ' +
    'Proxies report it as an upstream reset or connection termination and answer the client with 502/503 (or cut a response already started); clients see "connection reset by peer". ' +
    'Common causes: a server process crashing or hitting a limit, an idle timeout racing a new request on a reused keep-alive connection, a middlebox dropping state.',
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Upstream reset before the response headers: the request is reset with ConnectionTermination → client gets 503, flag UC, upstream_reset_before_response_started{connection_termination}, body "upstream connect error or disconnect/reset before headers. reset reason: connection termination". ' +
        'A response cut mid-body (CL or chunked) counts as a protocol error at EOF instead (UPE), and the client sees the response truncated. A downstream reset: the stream ends with flag DC, downstream_remote_disconnect.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/codec_client.cc CodecClient::onEvent; source/common/router/router.cc Filter::onUpstreamReset; source/common/http/conn_manager_impl.cc ActiveStream::~ActiveStream',
    },
    {
      implementation: 'nginx',
      outcome: 'reject',
      summary:
        'nginx 1.22.1 as a reverse proxy, upstream reset before the response headers: its own 502 page to the client; error log "recv() failed (104: Connection reset by peer) while reading response header from upstream".',
      source: 'observed',
      reference: 'scripts/make-proxy-sample.mjs with nginx 1.22.1 (samples/proxy-502-nginx.pcapng, samples/manifest.json)',
    },
  ],
  check({ connection, http }) {
    if (http.protocol !== 'http') return [];
    const reset = firstReset(connection);
    if (!reset) return [];
    const c2s = connection.clientToServer;
    const s2c = connection.serverToClient;
    const by = `the ${reset.by} reset the connection (RST, frame ${reset.frame})`;
    const line = (message: HttpMessage, bytes: Uint8Array) => escapeLatin1(latin1(bytes, message.startLine.offset, message.startLine.length));
    const hit = (direction: Direction, message: HttpMessage, text: string): (RuleHit & { direction: Direction })[] => [
      { direction, offset: message.offset, length: Math.max(1, message.end - message.offset), message: text },
    ];
    const proxy =
      reset.by === 'server'
        ? 'A proxy in front of this server answers its client itself: Envoy 503 UC ("reset reason: connection termination"), nginx 502 ("recv() failed (104: Connection reset by peer) while reading response header from upstream").'
        : 'The client gave up: a proxy serving it logs a downstream disconnect (Envoy flag DC), and the server\'s work is wasted.';

    // Only what was still in flight when the reset came counts.
    const started = (message: HttpMessage, direction: Direction) => frameAt(direction === 'client-to-server' ? c2s : s2c, message.offset) <= reset.frame;
    const serverEndedByReset = s2c.rstFrame !== undefined && (s2c.finFrame === undefined || s2c.finFrame > s2c.rstFrame);
    const response = http.responses.find(
      (r) => started(r, 'server-to-client') && (!r.complete || (r.framing === 'close-delimited' && serverEndedByReset)),
    );
    if (response) {
      const headerDone = !response.issues.some((issue) => issue.code === ParseIssueCode.IncompleteHeaderSection);
      const state = !headerDone
        ? 'its header section never completed'
        : response.complete
          ? 'its body was delimited by the connection\'s end, and a reset is not a clean end, so the body may be truncated (RFC 9112 §8)'
          : `${response.end - response.bodyOffset} body bytes arrived${response.contentLength !== undefined ? ` of the ${response.contentLength} declared` : ''}`;
      return hit(
        'server-to-client',
        response,
        `Response "${line(response, s2c.bytes)}" was cut short: ${by} before it was complete (${state}). The client gets a truncated response or an error, never this message as sent. ${proxy}`,
      );
    }
    const request = http.requests.find((r) => !r.complete && started(r, 'client-to-server'));
    if (request) {
      return hit(
        'client-to-server',
        request,
        `Request "${line(request, c2s.bytes)}" was cut short: ${by} before all of it was sent (${request.end - request.offset} bytes arrived). ${proxy}`,
      );
    }
    // A start line that never got its line end: the parser stopped without a message.
    for (const stop of http.stops) {
      const bytes = stop.direction === 'client-to-server' ? c2s : s2c;
      if (stop.reason !== 'incomplete' || stop.offset >= bytes.bytes.length || frameAt(bytes, stop.offset) > reset.frame) continue;
      const what = stop.direction === 'client-to-server' ? 'A request' : 'A response';
      return [
        {
          direction: stop.direction,
          offset: stop.offset,
          length: bytes.bytes.length - stop.offset,
          message: `${what} was cut short in its first line ("${escapeLatin1(latin1(bytes.bytes, stop.offset, Math.min(80, bytes.bytes.length - stop.offset)))}"): ${by}. ${proxy}`,
        },
      ];
    }
    const unanswered = http.exchanges.filter((exchange) => exchange.request && !exchange.response && started(exchange.request, 'client-to-server'));
    const first = unanswered[0]?.request;
    if (!first) return [];
    const others = unanswered.length > 1 ? ` ${count(unanswered.length - 1, 'more request')} after it got no answer either.` : '';
    return hit(
      'client-to-server',
      first,
      `Request "${line(first, c2s.bytes)}" (frame ${frameAt(c2s, first.offset)}) was never answered: ${by} with the request outstanding.${others} ${proxy}`,
    );
  },
};
