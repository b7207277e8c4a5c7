import type { HeaderField } from '../http/httpMessage';
import { escapeByte, escapeLatin1 } from '../text/escapeBytes';
import { describeField, lineRange, type MessageRule, type RuleHit } from './rule';

/** tchar, RFC 9110 §5.6.2. `_` is one (Envoy and nginx treat it specially; this rule does not). */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

/** Bytes Balsa's whole-block scan rejects as INVALID_HEADER_CHARACTER (http1.invalid_characters). */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

/** The name as sent, without the whitespace before the colon (that is space-before-colon's). */
function nameOf(field: HeaderField): string {
  let end = field.rawName.length;
  while (end > 0 && (field.rawName[end - 1] === ' ' || field.rawName[end - 1] === '\t')) end--;
  return field.rawName.slice(0, end);
}

function quoteChar(char: string): string {
  return char === '"' ? "'\"'" : `"${escapeByte(char.charCodeAt(0))}"`;
}

/**
 * A field name that is not a token (RFC 9110 §5.1): control bytes, SP, separators such as "(",
 * "@", "/", '"', bytes ≥ 0x80, or nothing at all before the colon.
 */
export const invalidHeaderName: MessageRule = {
  scope: 'message',
  id: 'invalid-header-name',
  title: 'Field name that is not a token',
  severity: 'error',
  rfc: { document: 'RFC 9110', section: '5.1', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-5.1' },
  description:
    'A field name contains a byte that is not a token character (RFC 9110 §5.1, §5.6.2): a control byte, a space inside the name, a separator such as "(", "@", "/", "\\"" or ",", a byte of 0x80 or more, or the name is empty (the line starts with a colon). ' +
    'Such a line is not a valid field: strict parsers reject the message, lenient ones keep, rename or drop the field, so hops disagree about which fields exist. ' +
    'Underscores are token characters and are not reported, but names containing "_" are treated specially by configuration: Envoy allows, drops or rejects them (headers_with_underscores_action), and nginx by default (underscores_in_headers off) marks them invalid, so ignore_invalid_headers drops them.',
  example: { request: 'GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded(For): 10.0.0.1\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400 with response flag DPE. Control bytes give http1.invalid_characters (Balsa INVALID_HEADER_CHARACTER); other non-token bytes give http1.codec_error (INVALID_HEADER_NAME_CHARACTER from a recent quiche, or Envoy\'s own token check HPE_INVALID_HEADER_TOKEN, which also catches \'"\' and bytes ≥ 0x80). As an upstream response: 502 UPE, upstream_reset_before_response_started{protocol_error}. ' +
        'An empty name passes the token check (an empty string is all-valid); what the codec then does with it was not traced. Names with "_" follow headers_with_underscores_action (http1.unexpected_underscore when set to reject).',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::CheckHeaderLinesForInvalidChars, FindColonsAndParseIntoKeyValue; envoyproxy/envoy source/common/http/http1/balsa_parser.cc isHeaderNameValid in BalsaParser::validateAndProcessHeadersOrTrailersImpl; codec_impl.cc ConnectionImpl::dispatchSlice, ServerConnectionImpl::checkHeaderNameForUnderscores',
    },
  ],
  check({ message }) {
    const hits: RuleHit[] = [];
    const sectionStart = message.startLine.next;
    // Trailer lines are invalid-trailer's (it reports names that are not tokens there).
    for (const field of message.headers) {
      const name = nameOf(field);
      if (name === '') {
        hits.push({ ...lineRange(field.line), message: `Field line "${describeField(field)}" has an empty name: it starts with the colon. A field name must be a non-empty token (RFC 9110 §5.1).` });
        continue;
      }
      const bad = [...new Set([...name].filter((char) => !TCHAR.test(char)))];
      if (bad.length === 0) continue;
      const controls = bad.some((char) => isControl(char.charCodeAt(0)));
      const leading = (name[0] === ' ' || name[0] === '\t') && field.line.offset === sectionStart;
      const why = leading
        ? ' The first field line starts with whitespace: RFC 9112 §2.2 says reject the message or ignore that line, and hops that fold it into the start line disagree with both.'
        : '';
      const envoy = controls
        ? 'Envoy rejects it (400 http1.invalid_characters; 502 UPE for an upstream response).'
        : 'Envoy rejects it (400 http1.codec_error; 502 UPE for an upstream response).';
      hits.push({
        ...lineRange(field.line),
        message: `Field name "${escapeLatin1(name)}" is not a token: ${bad.map(quoteChar).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not allowed in a field name (RFC 9110 §5.1).${why} ${envoy}`,
      });
    }
    return hits;
  },
};
