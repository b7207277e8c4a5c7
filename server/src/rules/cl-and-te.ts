import { fieldRange, describeField, type MessageRule } from './rule';
import { fieldsNamed } from '../http/httpMessage';

/**
 * Content-Length together with Transfer-Encoding. RFC 9112 §6.1: a sender MUST NOT send both,
 * and a recipient that gets both must let Transfer-Encoding win and treat the message as a
 * possible smuggling attempt (§6.3, item 3). Two hops that pick different framings split the
 * byte stream differently: the classic CL.TE / TE.CL request-smuggling shape.
 */
export const clAndTe: MessageRule = {
  scope: 'message',
  id: 'cl-and-te',
  title: 'Content-Length together with Transfer-Encoding',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.1', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.1' },
  description:
    'The message declares both Content-Length and Transfer-Encoding. RFC 9112 forbids sending both; a recipient must ignore Content-Length, and an intermediary that picks the other framing reads a different message boundary (request smuggling, response splitting).',
  example: {
    request: 'POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX',
  },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400 http1.content_length_and_chunked_not_allowed. As an upstream response: resets the upstream → 502 UPE. Accepted (Content-Length removed) only with allow_chunked_length and TE exactly chunked.',
      source: 'cited',
      reference: 'envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::onHeadersCompleteImpl (hasTransferEncoding() && ContentLength())',
    },
    {
      implementation: 'curl',
      outcome: 'accept',
      summary: 'Accepts the response, ignores Content-Length and reads the chunked body (exit code 0).',
      source: 'observed',
      reference: 'scripts/make-samples.mjs with curl 7.88.1 (samples/manifest.json)',
    },
  ],
  check({ message }) {
    const te = fieldsNamed(message, 'transfer-encoding');
    const cl = fieldsNamed(message, 'content-length');
    if (te.length === 0 || cl.length === 0) return [];
    return cl.map((field) => ({
      ...fieldRange(field),
      message: `"${describeField(field)}" is sent together with Transfer-Encoding ("${describeField(te[0])}"): recipients must ignore Content-Length, and a hop that does not frames the message differently.`,
      related: te.map((t) => ({ ...fieldRange(t), message: `Transfer-Encoding: "${describeField(t)}"` })),
    }));
  },
};
