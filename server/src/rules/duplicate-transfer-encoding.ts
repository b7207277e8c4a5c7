import { fieldRange, describeField, type MessageRule } from './rule';
import { fieldsNamed } from '../http/httpMessage';
import { transferCodings } from '../http/parseHttpMessage';
import { escapeLatin1 } from '../text/escapeBytes';

/**
 * Several Transfer-Encoding field lines (names compare case-insensitively, so
 * `Transfer-Encoding` and `transfer-encoding` are the same field). RFC 9110 §5.3 lets a
 * recipient combine them into one list, which makes `chunked` appear twice; RFC 9112 §6.1
 * forbids applying chunked more than once, and Envoy requires the whole value to be exactly
 * `chunked`. Lenient clients read the body anyway, which is why the message "works with curl".
 */
export const duplicateTransferEncoding: MessageRule = {
  scope: 'message',
  id: 'duplicate-transfer-encoding',
  title: 'Transfer-Encoding sent more than once',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.1', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.1' },
  description:
    'The message carries more than one Transfer-Encoding field line (field names are case-insensitive, so lines that differ only in case are the same field). ' +
    'Recipients combine them into one list (RFC 9110 §5.3), so "Chunked" + "chunked" becomes "Chunked, chunked": chunked applied twice, which RFC 9112 §6.1 forbids. ' +
    'Strict proxies reject the message; lenient clients read it, so the bug hides until a proxy sits in the path.',
  example: {
    response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Resets the upstream → client gets 502, response flag UPE, upstream_reset_before_response_started{protocol_error} (older Istio: 503 UC). As a request: 501, http1.invalid_transfer_encoding.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::onHeadersCompleteImpl (Transfer-Encoding must equal "chunked"); source/common/router/router.cc Filter::onUpstreamReset',
    },
    {
      implementation: 'curl',
      outcome: 'accept',
      summary: 'Accepts the response and delivers the de-chunked body (exit code 0).',
      source: 'observed',
      reference: 'scripts/make-samples.mjs with curl 7.88.1 (samples/manifest.json)',
    },
    {
      implementation: 'haproxy',
      outcome: 'reject',
      summary: 'HAProxy 2.6.12 as a reverse proxy rejects the response: the client gets HAProxy\'s own 502 ("The server returned an invalid or incomplete response."), log termination state PH.',
      source: 'observed',
      reference: 'scripts/make-proxy-sample.mjs with HAProxy 2.6.12 (samples/proxy-502.pcapng, samples/manifest.json)',
    },
  ],
  check({ message }) {
    const fields = fieldsNamed(message, 'transfer-encoding');
    if (fields.length < 2) return [];
    const [first, ...repeats] = fields;
    const all = fields.map(describeField).join('" and "');
    const codings = transferCodings(message);
    const combined = escapeLatin1(fields.map((field) => field.value).join(', '));
    // Say what the combination breaks: chunked twice, or a list that is not just "chunked".
    const chunkedTwice = codings.filter((coding) => coding === 'chunked').length > 1;
    const consequence = chunkedTwice
      ? `so this is one field, "${combined}", that applies chunked more than once. Envoy rejects it (502 UPE); curl accepts it.`
      : `so this is one field, "${combined}", whose codings are not exactly "chunked". Envoy rejects it (502 UPE).`;
    return [
      {
        ...fieldRange(repeats[0]),
        message: `Transfer-Encoding appears ${fields.length} times ("${all}"); names are case-insensitive, ${consequence}`,
        related: [first, ...repeats.slice(1)].map((field) => ({ ...fieldRange(field), message: `Also Transfer-Encoding: "${describeField(field)}"` })),
      },
    ];
  },
};
