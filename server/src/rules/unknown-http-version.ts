import { latin1 } from '../http/parseHttpMessage';
import { escapeLatin1 } from '../text/escapeBytes';
import { quoteBytes } from './messageLines';
import { lineRange, type MessageRule } from './rule';

const KNOWN = new Set(['HTTP/1.0', 'HTTP/1.1']);
const WELL_FORMED = /^HTTP\/\d\.\d$/;

/** [offset, length] of the version token: the parser's field, found again in the start line's bytes. */
function versionToken(bytes: Uint8Array, offset: number, length: number, kind: 'request' | 'response', version: string): [number, number] {
  if (kind === 'response') return [offset, version.length];
  // The parser drops trailing SP, HTAB and CR after the version.
  let end = offset + length;
  while (end > offset && [0x20, 0x09, 0x0d].includes(bytes[end - 1])) end--;
  return [end - version.length, version.length];
}

/**
 * A start line whose version is neither HTTP/1.0 nor HTTP/1.1 (RFC 9112 §2.3): an HTTP/0.9-style
 * request line without a version, HTTP/1.2, HTTP/2.0 or HTTP/0.9 in an HTTP/1 start line, a
 * malformed one (HTTP/1.10, HTTP/1), or the wrong case (http/1.1: the name is case-sensitive).
 */
export const unknownHttpVersion: MessageRule = {
  scope: 'message',
  id: 'unknown-http-version',
  title: 'HTTP version other than HTTP/1.0 or HTTP/1.1',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '2.3', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-2.3' },
  description:
    'The start line carries a version other than HTTP/1.0 or HTTP/1.1: none at all (an HTTP/0.9-style "GET /path" request), another well-formed number (HTTP/1.2, HTTP/2.0, HTTP/0.9), a malformed one (HTTP/1.10, HTTP/1, HTTP/x), or "http/1.1" in lower case (RFC 9112 §2.3: HTTP-name is the case-sensitive "HTTP", the version is exactly one digit, a dot and one digit). ' +
    'Implementations map such versions differently: RFC 9110 §2.5 says to treat a higher minor version (HTTP/1.2) as the highest supported one, Envoy treats every well-formed version but HTTP/1.1 as HTTP/1.0, and a malformed version is rejected. ' +
    'An HTTP/0.9 request has no header section and its response no status line, so everything after it is framed differently.',
  example: { request: 'GET / HTTP/1.2\r\nHost: example.com\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: a well-formed HTTP/d.d other than HTTP/1.1 (HTTP/1.2, HTTP/2.0) and a version-less HTTP/0.9 line are treated as HTTP/1.0 and answered 426 Upgrade Required, details low_version, unless accept_http_10 is on; a malformed version (HTTP/1.10, http/1.1, HTTP/x) gets 400 http1.codec_error (HPE_INVALID_VERSION). ' +
        'As an upstream response: a malformed version gives 502 UPE (HPE_INVALID_VERSION; a line not starting with "H", such as http/1.1, gives HPE_INVALID_CONSTANT); a well-formed HTTP/d.d is accepted and the response treated as HTTP/1.0.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/balsa_parser.cc isVersionValid, BalsaParser::execute (first byte), BalsaParser::isHttp11; source/common/http/http1/codec_impl.cc ConnectionImpl::onHeadersCompleteImpl (protocol_ = Http10), ServerConnectionImpl::checkProtocolVersion',
    },
  ],
  check({ message, bytes }) {
    const { startLine } = message;
    const version = message.kind === 'request' ? message.requestLine.version : message.statusLine.version;
    if (KNOWN.has(version)) return [];
    if (message.kind === 'request' && version === '') {
      return [
        {
          ...lineRange(startLine),
          message: `Request line "${quoteBytes(bytes, startLine.offset, startLine.length, 120)}" has no HTTP version: an HTTP/0.9-style request, which has no header section and expects the bare body in return. Envoy answers 426 (low_version) unless accept_http_10 is on.`,
        },
      ];
    }
    const [offset, length] = versionToken(bytes, startLine.offset, startLine.length, message.kind, version);
    const quoted = escapeLatin1(latin1(bytes, offset, length));
    const request = message.kind === 'request';
    let why: string;
    if (WELL_FORMED.test(version)) {
      const which =
        version[5] === '1'
          ? 'a minor version no implementation has (only 1.0 and 1.1 exist); RFC 9110 §2.5 says to handle it as the highest minor version supported, HTTP/1.1.'
          : 'another major version in an HTTP/1 start line (HTTP/2 and HTTP/3 do not use this text format; HTTP/0.9 had no version).';
      why = request
        ? `${which} Envoy treats it as HTTP/1.0 and answers 426 (low_version) unless accept_http_10 is on.`
        : `${which} Envoy accepts the response and treats it as HTTP/1.0 (no keep-alive by default).`;
    } else if (WELL_FORMED.test(version.toUpperCase())) {
      why = `wrong case: HTTP-name is the case-sensitive "HTTP" (RFC 9112 §2.3). ${request ? 'Envoy rejects the request (400 http1.codec_error, HPE_INVALID_VERSION).' : 'Envoy rejects the response because it does not start with "H" (502 UPE, HPE_INVALID_CONSTANT).'}`;
    } else {
      why = `not HTTP/<digit>.<digit> (RFC 9112 §2.3). ${request ? 'Envoy rejects the request (400 http1.codec_error, HPE_INVALID_VERSION).' : 'Envoy rejects the response (502 UPE, HPE_INVALID_VERSION).'}`;
    }
    return [{ offset, length, message: `Version "${quoted}" in the ${request ? 'request' : 'status'} line is ${why}` }];
  },
};
