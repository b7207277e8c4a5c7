import { allHeaderBlocks, fieldRange, fieldText, roleWords, SENDER, streamLabel } from '../http2/describeHttp2';
import { CURL_RESETS_STREAM, NODE_RESETS_STREAM, RFC9113 } from './h2Verdicts';
import type { ConnectionRule } from './rule';

/** Fields that describe one HTTP/1.x connection and have no meaning in HTTP/2 (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * A connection-specific field (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding,
 * Upgrade, or TE with anything but "trailers") in an HTTP/2 message: malformed (RFC 9113
 * §8.2.2). The classic source is an HTTP/1.1 backend response relayed to HTTP/2 verbatim.
 */
export const h2ConnectionSpecificHeader: ConnectionRule = {
  scope: 'connection',
  id: 'h2-connection-specific-header',
  title: 'Connection-specific field in an HTTP/2 message',
  severity: 'error',
  rfc: RFC9113('8.2.2'),
  description:
    'An HTTP/2 message carries a connection-specific field: Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding or Upgrade, or TE with a value other than "trailers". ' +
    'HTTP/2 manages the connection itself, so RFC 9113 §8.2.2 makes such a message malformed, and recipients reset the stream. ' +
    'It typically appears when a gateway converts an HTTP/1.1 response (Connection: keep-alive, Transfer-Encoding: chunked) to HTTP/2 without dropping the hop-by-hop fields.',
  verdicts: [
    NODE_RESETS_STREAM,
    CURL_RESETS_STREAM,
    {
      implementation: 'go',
      outcome: 'reject',
      summary: 'Go\'s HTTP/2 server answers 400 Bad Request: request header "Connection" is not valid in HTTP/2 (TE other than "trailers" likewise).',
      source: 'cited',
      reference: 'golang/net http2/server.go checkValidHTTP2RequestHeaders (connHeaders), new400Handler',
    },
  ],
  check({ http }) {
    if (!http.http2) return [];
    return allHeaderBlocks(http.http2).flatMap(({ stream, block, role }) =>
      block.fields
        .filter((field) => {
          const name = field.name.toLowerCase();
          return CONNECTION_SPECIFIC.has(name) || (name === 'te' && field.value.trim().toLowerCase() !== 'trailers');
        })
        .map((field) => ({
          direction: block.direction,
          ...fieldRange(field),
          message: `"${fieldText(field)}" in the ${roleWords(role)} of ${streamLabel(stream)} is connection-specific, which HTTP/2 forbids${field.name.toLowerCase() === 'te' ? ' (TE may only be "trailers")' : ''}: the peer treats the message as malformed and resets the stream (PROTOCOL_ERROR); sent by ${SENDER[block.direction]}.`,
        })),
    );
  },
};
