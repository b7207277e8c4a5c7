import { fieldsNamed } from '../http/httpMessage';
import { transferCodings } from '../http/parseHttpMessage';
import { escapeLatin1 } from '../text/escapeBytes';
import { describeField, fieldRange, type MessageRule } from './rule';

/**
 * Transfer-Encoding whose final coding is not chunked (RFC 9112 §6.3, item 4): a request framed
 * so has no determinable length (400 and close); a response runs until the server closes.
 */
export const teNotChunked: MessageRule = {
  scope: 'message',
  id: 'te-not-chunked',
  title: 'Transfer-Encoding whose final coding is not chunked',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.3', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.3' },
  description:
    'The message has Transfer-Encoding, but the last coding in it is not chunked ("gzip", "identity", "chunked, gzip", or no coding at all). ' +
    'RFC 9112 §6.3 then leaves a request with no way to find its end (the server must answer 400 and close the connection) and makes a response run until the server closes. ' +
    'It is a classic smuggling probe: a hop that ignores the unknown coding, or falls back to Content-Length, frames the bytes differently from one that follows the RFC. ' +
    'Envoy accepts only a value of exactly "chunked" and rejects the rest instead of reading a response to the close.',
  example: { request: 'POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 501, http1.invalid_transfer_encoding (400 http1.content_length_and_chunked_not_allowed first if Content-Length is also present). As an upstream response: resets the upstream → 502 UPE, upstream_reset_before_response_started{protocol_error}; Envoy does not fall back to reading until the close.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::onHeadersCompleteImpl (Transfer-Encoding must equal "chunked"); source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ message }) {
    const fields = fieldsNamed(message, 'transfer-encoding');
    if (fields.length === 0) return [];
    // A response that cannot have a body (HEAD, 1xx, 204, 304, 2xx to CONNECT) is framed without it (§6.3 items 1-2).
    if (message.kind === 'response' && message.framing === 'none') return [];
    const codings = transferCodings(message);
    const final = codings[codings.length - 1];
    if (final === 'chunked') return [];
    const field = [...fields].reverse().find((f) => transferCodings({ headers: [f] }).length > 0) ?? fields[fields.length - 1];
    const what = final === undefined ? 'names no transfer coding at all' : `ends with "${escapeLatin1(final)}", not chunked`;
    const consequence =
      message.kind === 'request'
        ? 'a request framed this way has no determinable length: RFC 9112 §6.3 says answer 400 and close. Envoy rejects it (501).'
        : 'the body runs until the server closes the connection (RFC 9112 §6.3), so the connection cannot be reused. Envoy rejects it (502 UPE) instead of reading to the close.';
    return [{ ...fieldRange(field), message: `Transfer-Encoding ${what} ("${describeField(field)}"): ${consequence}` }];
  },
};
