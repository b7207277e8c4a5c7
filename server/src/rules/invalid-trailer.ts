import { type HeaderField, ParseIssueCode } from '../http/httpMessage';
import { latin1 } from '../http/parseHttpMessage';
import { escapeByte, escapeLatin1 } from '../text/escapeBytes';
import { describeField, fieldRange, type MessageRule, type RuleHit } from './rule';

/**
 * Fields that must not be trailers (RFC 9110 §6.5.1: framing, routing, request modifiers,
 * authentication, content format, connection management). The list Go refuses as trailers
 * (golang.org/x/net http/httpguts ValidTrailerHeader: badTrailer plus any "If-" field), with
 * the cookie fields (authentication, RFC 6265) and Upgrade (connection management) added.
 */
const FORBIDDEN: Record<string, string> = {
  'content-length': 'message framing',
  'transfer-encoding': 'message framing',
  trailer: 'message framing',
  host: 'request routing',
  'cache-control': 'a request modifier (cache control)',
  expect: 'a request modifier (expectation)',
  'max-forwards': 'a request modifier (routing)',
  pragma: 'a request modifier (cache control)',
  range: 'a request modifier (range)',
  te: 'a request modifier (transfer codings)',
  authorization: 'authentication',
  'proxy-authorization': 'authentication',
  'www-authenticate': 'authentication',
  'proxy-authenticate': 'authentication',
  realm: 'authentication',
  cookie: 'authentication (cookies)',
  'set-cookie': 'authentication (cookies)',
  'content-encoding': 'content format',
  'content-type': 'content format',
  'content-range': 'content format',
  connection: 'connection management',
  'keep-alive': 'connection management',
  'proxy-connection': 'connection management',
  upgrade: 'connection management',
};

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function forbiddenBecause(field: HeaderField): string | undefined {
  if (field.name.startsWith('if-')) return 'a request modifier (conditional)';
  return Object.hasOwn(FORBIDDEN, field.name) ? FORBIDDEN[field.name] : undefined;
}

/** The first control byte (other than HTAB) in a field's value bytes, if any: NUL, bare CR and the like. */
function controlInValue(bytes: Uint8Array, field: HeaderField): number | undefined {
  const text = latin1(bytes, field.line.offset, field.line.length);
  const colon = text.indexOf(':');
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return c;
  }
  return undefined;
}

/**
 * Trailer fields that RFC 9110 §6.5.1 keeps out of trailers, and trailer lines that are not
 * valid field lines (no colon, a name that is not a token, obs-fold, control bytes in the value).
 */
export const invalidTrailer: MessageRule = {
  scope: 'message',
  id: 'invalid-trailer',
  title: 'Forbidden or malformed trailer field',
  severity: 'warning',
  rfc: { document: 'RFC 9110', section: '6.5.1', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-6.5.1' },
  description:
    'The trailer section after the last chunk carries a field that must not be a trailer, or a line that is not a valid field line. ' +
    'RFC 9110 §6.5.1 keeps out of trailers everything a recipient needs before the content: framing (Content-Length, Transfer-Encoding, Trailer), routing (Host), request modifiers and conditionals (Cache-Control, Expect, Max-Forwards, Pragma, Range, TE, If-*), authentication (Authorization, WWW-Authenticate, the Proxy- variants, cookies) and content format (Content-Encoding, Content-Type, Content-Range), plus connection management; Go refuses the same list as trailers. ' +
    'A recipient that merges trailers into the header section, which RFC 9110 forbids for these fields, would reframe or reroute a message after it was checked: a smuggling probe. Malformed trailer lines are rejected by strict parsers and skipped by lenient ones.',
  example: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'accept-with-rewrite',
      summary:
        'By default (Http1ProtocolOptions.enable_trailers off) the HTTP/1 codec ignores trailer fields: the message is accepted and its trailers are dropped. With enable_trailers on they are passed on as trailers; Balsa never applies a Content-Length or Transfer-Encoding found in trailers to framing.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::onHeaderField (trailers ignored unless enable_trailers_); google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessHeaderLines (is_trailer skips the Content-Length and Transfer-Encoding handling)',
    },
  ],
  check({ message, bytes }) {
    const last = message.chunks[message.chunks.length - 1];
    if (message.framing !== 'chunked' || !last || last.size !== 0) return [];
    const start = last.sizeLine.next;
    const end = message.complete ? message.end : bytes.length;
    const hits: RuleHit[] = [];
    for (const field of message.trailers) {
      const because = forbiddenBecause(field);
      if (because) {
        hits.push({
          ...fieldRange(field),
          message: `Trailer "${describeField(field)}" is ${because}, which RFC 9110 §6.5.1 keeps out of trailers: a recipient that merges it into the header section would act on it after the message was checked.`,
        });
        continue;
      }
      const name = field.rawName;
      const problem = !TOKEN.test(name)
        ? `its name "${escapeLatin1(name)}" is not a token${/[ \t]$/.test(name) ? ' (whitespace before the colon)' : ''}`
        : field.continuations.length > 0
          ? 'it is folded over several lines (obs-fold)'
          : (() => {
              const control = controlInValue(bytes, field);
              return control === undefined ? undefined : `its value contains the control byte ${escapeByte(control)}`;
            })();
      if (problem) {
        hits.push({
          ...fieldRange(field),
          message: `Trailer line "${describeField(field)}" is malformed: ${problem}. Strict parsers reject the message, lenient ones keep or drop the line.`,
        });
      }
    }
    for (const issue of message.issues) {
      if (issue.code !== ParseIssueCode.HeaderLineWithoutColon || issue.offset < start || issue.offset >= end) continue;
      hits.push({
        offset: issue.offset,
        length: issue.length,
        message: `Trailer line "${escapeLatin1(latin1(bytes, issue.offset, issue.length))}" has no colon, so it is not a field line: strict parsers reject the message, lenient ones skip the line.`,
      });
    }
    return hits.sort((a, b) => a.offset - b.offset);
  },
};
