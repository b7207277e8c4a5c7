import { escapeLatin1 } from '../text/escapeBytes';
import { plural, quoteBytes } from './messageLines';
import { describeField, lineRange, type MessageRule } from './rule';

const FRAMING_FIELDS: Readonly<Record<string, string>> = {
  'transfer-encoding': 'Transfer-Encoding',
  'content-length': 'Content-Length',
  host: 'Host',
};

/**
 * A field value continued on lines that start with SP or HTAB (obs-fold, RFC 9112 §5.2). Obsolete:
 * a recipient must reject it or replace each fold with SP. Hops that do not unfold read the field
 * differently, which on a framing field is a request-smuggling shape.
 */
export const obsFold: MessageRule = {
  scope: 'message',
  id: 'obs-fold',
  title: 'Field value folded onto continuation lines (obs-fold)',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '5.2', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-5.2' },
  description:
    'A field value continues on the next line(s), each starting with a space or tab (obsolete line folding, obs-fold). ' +
    'RFC 9112 §5.2 deprecates it outside message/http: a server must reject such a request with 400 or replace each fold with SP before using the value; a proxy must do the same with a response or answer 502. ' +
    'Hops that unfold and hops that do not (they see a field line without a colon, or reject) read different fields; on Transfer-Encoding, Content-Length or Host that is a request-smuggling shape (an empty "Transfer-Encoding:" folded onto " chunked").',
  example: {
    request: 'POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n',
  },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'accept-with-rewrite',
      summary:
        'Accepts the fold as a request and as an upstream response: Balsa keeps the continuation in the value (only a warning, disallow_header_continuation_lines=false) and BalsaParser deletes its CR and LF, so "a\\r\\n b" is forwarded as "a b" (the leading blank stays). ' +
        'A continuation line starting with a control byte other than SP/HTAB is rejected (INVALID_HEADER_FORMAT → 400 http1.codec_error, or 502 UPE for an upstream response). http-parser builds also accept folding (inferred).',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::FindColonsAndParseIntoKeyValue (OBS_FOLD_IN_HEADERS warning); envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::BalsaParser (policy) and validateAndProcessHeadersOrTrailersImpl (CR/LF removal)',
    },
  ],
  check({ message, bytes }) {
    // Folded trailer lines are invalid-trailer's.
    return message.headers
      .filter((field) => field.continuations.length > 0)
      .map((field) => {
        const folds = field.continuations;
        const last = folds[folds.length - 1];
        const framing = FRAMING_FIELDS[field.name];
        const risk = framing
          ? ` On ${framing} this is a smuggling shape: a hop that does not unfold sees only "${quoteBytes(bytes, field.line.offset, field.line.length)}" (and a line without a colon), or rejects the message.`
          : '';
        const duty =
          message.kind === 'request'
            ? 'RFC 9112 §5.2: a server must reject it (400) or replace each fold with SP.'
            : 'RFC 9112 §5.2: a proxy must replace each fold with SP or answer 502.';
        return {
          offset: folds[0].offset,
          length: last.offset + last.length - folds[0].offset,
          message: `The value of ${escapeLatin1(field.rawName)} continues on ${plural(folds.length, 'obs-fold line')} starting with SP/HTAB; unfolded it reads "${describeField(field)}". ${duty}${risk}`,
          related: [{ ...lineRange(field.line), message: 'The field line these continuation lines fold into' }],
        };
      });
  },
};
