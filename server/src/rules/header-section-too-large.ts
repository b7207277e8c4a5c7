import { ParseIssueCode, type HttpMessage } from '../http/httpMessage';
import { headerSectionLines, plural } from './messageLines';
import type { MessageRule } from './rule';

const KiB = 1024;

/** How big a header section is, measured the ways the limits below count. */
interface Size {
  /** Start line through the empty line that ends the section, terminators included. */
  readonly sectionBytes: number;
  readonly fieldLines: number;
  /** The longest single line (start line or field line), terminator included. */
  readonly longestLine: number;
  /** Envoy's count: names and values (plus the request-target for requests), no delimiters. */
  readonly envoyBytes: number;
}

interface Limit {
  readonly applies: 'request' | 'response' | 'both';
  /** Envoy's own limit: exceeding it is a rejection by the proxy this tool is about. */
  readonly envoy?: true;
  readonly exceeded: (size: Size) => boolean;
  readonly text: (size: Size) => string;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Defaults of widely deployed implementations, smallest first. Configurable everywhere; these are
 * what a proxy or server does out of the box. Only Envoy's outcome is a verdict (cited); the others
 * name the setting and its documented default.
 */
const LIMITS: readonly Limit[] = [
  {
    applies: 'request',
    exceeded: (s) => s.longestLine > 8 * KiB,
    text: (s) => `nginx large_client_header_buffers (default 4 x 8 KiB: one line must fit in 8 KiB; longest line ${n(s.longestLine)} bytes)`,
  },
  { applies: 'both', exceeded: (s) => s.sectionBytes > 16 * KiB, text: () => 'Node.js --max-http-header-size (default 16 KiB)' },
  { applies: 'request', exceeded: (s) => s.sectionBytes > 32 * KiB, text: () => 'nginx large_client_header_buffers in total (default 4 x 8 KiB)' },
  {
    applies: 'request',
    envoy: true,
    exceeded: (s) => s.envoyBytes > 60 * KiB,
    text: (s) => `Envoy max_request_headers_kb (default 60 KiB; ${n(s.envoyBytes)} bytes of names, values and target): 431, http1.headers_too_large`,
  },
  {
    applies: 'response',
    envoy: true,
    exceeded: (s) => s.envoyBytes > 80 * KiB,
    text: (s) => `Envoy's response header limit (80 KiB; ${n(s.envoyBytes)} bytes of names and values): 502 UPE`,
  },
  {
    applies: 'request',
    envoy: true,
    exceeded: (s) => s.fieldLines > 100,
    text: () => 'Envoy max_request_headers_count (default 100): 431, http1.too_many_headers',
  },
  {
    applies: 'response',
    envoy: true,
    exceeded: (s) => s.fieldLines > 100,
    text: () => "Envoy's cluster max_headers_count (default 100): 502 UPE",
  },
  { applies: 'request', exceeded: (s) => s.sectionBytes > 1024 * KiB, text: () => 'Go net/http DefaultMaxHeaderBytes (1 MiB)' },
];

function sizeOf(message: HttpMessage, bytes: Uint8Array): Size {
  const lines = headerSectionLines(message, bytes);
  const target = message.kind === 'request' ? message.requestLine.target.length : 0;
  return {
    sectionBytes: message.headerSectionEnd - message.offset,
    fieldLines: message.headers.length,
    longestLine: lines.reduce((longest, { line }) => Math.max(longest, line.next - line.offset), 0),
    envoyBytes: message.headers.reduce((sum, field) => sum + field.name.length + field.value.length, target),
  };
}

/**
 * A header section larger, or with more field lines, than the defaults of common proxies and
 * servers. Fires at the smallest of them (nginx's 8 KiB per request line, Node's 16 KiB, Envoy's
 * 100 fields) and names every default the message exceeds.
 */
export const headerSectionTooLarge: MessageRule = {
  scope: 'message',
  id: 'header-section-too-large',
  title: 'Header section larger than common default limits',
  severity: 'warning',
  rfc: { document: 'RFC 9110', section: '5.4', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-5.4' },
  description:
    'The header section (start line and field lines) is bigger, or has more field lines, than the defaults of widely deployed implementations: nginx reads request headers into 8 KiB buffers (4 x 8 KiB, one line per buffer), Node.js stops at 16 KiB, Envoy at 60 KiB of request headers, 80 KiB of response headers and 100 fields, Go net/http at 1 MiB. ' +
    'HTTP sets no limit of its own (RFC 9110 §5.4), but a server that receives more header than it wishes to process must answer with a 4xx status (431, RFC 6585), and a proxy passes the failure on as a 502. ' +
    'The rule fires at the smallest of these defaults and names every one exceeded. It is a warning because each limit is configurable and the message is otherwise valid, and an error once Envoy\'s own defaults are exceeded (Envoy then rejects the message). Typical causes: large cookies, tokens or tracing baggage.',
  example: {
    request: `GET / HTTP/1.1\r\nHost: example.com\r\n${Array.from({ length: 100 }, (_, i) => `X-Feature-${String(i + 1).padStart(3, '0')}: on\r\n`).join('')}\r\n`,
  },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: over max_request_headers_kb (default 60 KiB, counting the URL, names and values) → 431, http1.headers_too_large; over max_request_headers_count (default 100) → 431, http1.too_many_headers; response flag DPE. ' +
        'As an upstream response: over 80 KiB (MAX_RESPONSE_HEADERS_KB in the versions read) or the cluster\'s max_headers_count (default 100) → 502 UPE, upstream_reset_before_response_started{protocol_error}. Trailers are counted the same way. Defaults may differ in other releases.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::checkMaxHeadersSize, ConnectionImpl::completeCurrentHeader, ConnectionImpl::dispatchSlice (Balsa HEADERS_TOO_LONG → 431), ClientConnectionImpl (MAX_RESPONSE_HEADERS_KB = 80); envoy/http/codec_runtime_overrides.h (DEFAULT_MAX_REQUEST_HEADERS_KB = 60, DEFAULT_MAX_HEADERS_COUNT = 100)',
    },
  ],
  check({ message, bytes }) {
    // A section that never ended (capture cut, or not HTTP after all) has no size to judge.
    if (message.issues.some((issue) => issue.code === ParseIssueCode.IncompleteHeaderSection)) return [];
    const size = sizeOf(message, bytes);
    const exceeded = LIMITS.filter((limit) => (limit.applies === 'both' || limit.applies === message.kind) && limit.exceeded(size));
    if (exceeded.length === 0) return [];
    const lines = headerSectionLines(message, bytes);
    const contentEnd = lines.filter(({ line }) => line.length > 0).reduce((end, { line }) => Math.max(end, line.offset + line.length), message.offset);
    const longLines = lines.filter(({ line }) => line.next - line.offset > 8 * KiB);
    return [
      {
        offset: message.offset,
        length: contentEnd - message.offset,
        message:
          `The ${message.kind} header section is ${n(size.sectionBytes)} bytes in ${plural(size.fieldLines, 'field line')}, over the defaults of: ` +
          `${exceeded.map((limit) => limit.text(size)).join('; ')}.`,
        related: longLines.slice(0, 10).map(({ line, role }) => ({ offset: line.offset, length: line.length, message: `A ${role} of ${n(line.next - line.offset)} bytes` })),
        ...(exceeded.some((limit) => limit.envoy) ? { severity: 'error' as const } : {}),
      },
    ];
  },
};
