import { describeField, lineRange, type MessageRule } from './rule';

/** Fields whose framing meaning changes if a hop keeps the whitespace as part of the name. */
const FRAMING_FIELDS = new Set(['transfer-encoding', 'content-length', 'host']);

/**
 * Whitespace between a field name and its colon (`Transfer-Encoding : chunked`). RFC 9112 §5.1:
 * a server must reject such a request with 400, a proxy must remove the whitespace from a
 * response. Hops that keep it see a field named "Transfer-Encoding " that means nothing.
 */
export const spaceBeforeColon: MessageRule = {
  scope: 'message',
  id: 'space-before-colon',
  title: 'Whitespace between a field name and the colon',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '5.1', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-5.1' },
  description:
    'A field line has spaces or tabs between the field name and the colon ("Transfer-Encoding : chunked"). ' +
    'RFC 9112 §5.1 allows no whitespace there because differences in handling it led to request-routing and response-handling vulnerabilities: a server must reject such a request with 400, and a proxy must remove the whitespace from a response before forwarding it. ' +
    'Some parsers trim the whitespace and use the field, others keep it as part of an unknown name and ignore it, so on Transfer-Encoding or Content-Length the hops frame the message differently (the HTTP-Evader "space-colon" evasion).',
  example: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400, http1.codec_error, response flag DPE (Balsa with a recent quiche: INVALID_HEADER_NAME_CHARACTER from the field-name scan; http-parser: HPE_INVALID_HEADER_TOKEN, inferred). As an upstream response: resets the upstream → 502 UPE, upstream_reset_before_response_started{protocol_error}. ' +
        'Builds whose quiche predates the name scan trim the whitespace (CleanUpKeyValueWhitespace) and accept the field under its trimmed name; which quiche each Envoy release ships is not known here.',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::FindColonsAndParseIntoKeyValue (IsInvalidHeaderKeyCharAllowDoubleQuote); envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::validateAndProcessHeadersOrTrailersImpl (isHeaderNameValid), codec_impl.cc ConnectionImpl::dispatchSlice',
    },
  ],
  check({ message }) {
    // Trailer lines are invalid-trailer's (it reports their malformed names too).
    return message.headers
      .filter((field) => /[ \t]$/.test(field.rawName) && field.name.trim() !== '')
      .map((field) => {
        const consequence =
          message.kind === 'request'
            ? 'a server must answer 400 (RFC 9112 §5.1); recent Envoy builds do (http1.codec_error).'
            : 'a proxy must remove the whitespace before forwarding (RFC 9112 §5.1); recent Envoy builds reject the response instead (502 UPE).';
        const framing = FRAMING_FIELDS.has(field.name)
          ? ` A hop that keeps the whitespace does not see a ${field.name === 'host' ? 'Host' : 'framing'} field here, so hops disagree about this message.`
          : '';
        return {
          ...lineRange(field.line),
          message: `Whitespace between the field name and the colon in "${describeField(field)}": ${consequence}${framing}`,
        };
      });
  },
};
