import { fieldsNamed, ParseIssueCode } from '../http/httpMessage';
import { quoteBytes } from './messageLines';
import { lineRange, type MessageRule } from './rule';

/**
 * An HTTP/1.1 request without a Host field (RFC 9112 §3.2): a server must answer 400. An HTTP/1.0
 * request may omit Host and is not reported.
 */
export const missingHost: MessageRule = {
  scope: 'message',
  id: 'missing-host',
  title: 'HTTP/1.1 request without Host',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '3.2', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-3.2' },
  description:
    'An HTTP/1.1 request has no Host header field. RFC 9112 §3.2 requires a client to send Host in every HTTP/1.1 request (empty when the target URI has no authority) and a server to answer 400 (Bad Request) to one without it. ' +
    'Without Host a proxy cannot pick a virtual host or route, so the request fails at the first hop that enforces it; an absolute-form or CONNECT target still needs Host, even though some proxies take the host from the target instead. ' +
    'HTTP/1.0 requests may omit Host and are not reported, although Envoy rejects those too unless a default host is configured.',
  example: { request: 'GET /health HTTP/1.1\r\nUser-Agent: probe\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        '400 Bad Request, details missing_host_header, sent by the connection manager before routing. An absolute-form target (with allow_absolute_url) or a CONNECT authority-form target sets :authority from the target, so such a request is accepted without Host. ' +
        'HTTP/1.0 requests without Host get the same 400 unless http1 default_host_for_http_10 is set (and only when accept_http_10 is on; otherwise 426 first).',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/conn_manager_impl.cc ConnectionManagerImpl::ActiveStream::decodeHeaders (Host required, ResponseCodeDetails MissingHost = "missing_host_header"); source/common/http/http1/codec_impl.cc ServerConnectionImpl::handlePath, checkProtocolVersion',
    },
  ],
  check({ message, bytes }) {
    if (message.kind !== 'request' || message.requestLine.version !== 'HTTP/1.1') return [];
    // Without the end of the header section there is no telling whether Host was coming.
    if (message.issues.some((issue) => issue.code === ParseIssueCode.IncompleteHeaderSection)) return [];
    if (fieldsNamed(message, 'host').length > 0) return [];
    const { method, target } = message.requestLine;
    const fromTarget =
      method === 'CONNECT' || target.includes('://')
        ? ' The target names a host: Envoy takes :authority from it (for absolute-form only when allow_absolute_url is on) and accepts the request, but the RFC still requires Host.'
        : ' Envoy answers 400 (missing_host_header).';
    return [
      {
        ...lineRange(message.startLine),
        message: `HTTP/1.1 request "${quoteBytes(bytes, message.startLine.offset, message.startLine.length, 120)}" has no Host header field: RFC 9112 §3.2 requires a server to answer 400.${fromTarget}`,
      },
    ];
  },
};
