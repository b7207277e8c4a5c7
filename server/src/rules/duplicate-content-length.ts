import { describeField, fieldRange, type MessageRule } from './rule';
import { contentLengthValues, fieldsOf } from './contentLengthValues';

/**
 * Content-Length repeated with one value (two lines, or `5, 5`). RFC 9110 §8.6 lets a recipient
 * reject it or collapse it, so implementations differ; Envoy (Balsa) rejects it.
 */
export const duplicateContentLength: MessageRule = {
  scope: 'message',
  id: 'duplicate-content-length',
  title: 'Content-Length repeated with the same value',
  severity: 'error',
  rfc: { document: 'RFC 9110', section: '8.6', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-8.6' },
  description:
    'Content-Length is sent more than once with the same value: two "Content-Length: 5" lines, or "5, 5" in one line. ' +
    'RFC 9110 §8.6 lets a recipient either reject such a message or collapse the values into one, so implementations disagree: lenient ones read the body, strict ones reject the message. ' +
    'Envoy rejects it (it sets disallow_multiple_content_length). It usually comes from a framework and a handler both setting the header.',
  example: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Two lines: as a request 400, http1.codec_error (HPE_UNEXPECTED_CONTENT_LENGTH); as an upstream response resets the upstream → 502 UPE, upstream_reset_before_response_started{protocol_error}. One line "5, 5" is rejected as non-numeric, with the same outcome.',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessHeaderLines (disallow_multiple_content_length, set by envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::BalsaParser)',
    },
  ],
  check({ message }) {
    const values = contentLengthValues(message);
    // Only when every element is a valid number and all agree: otherwise invalid- or conflicting-content-length says more.
    if (values.length < 2 || values.some((v) => v.value === undefined || v.value !== values[0].value)) return [];
    const fields = fieldsOf(values);
    const at = values[1].field;
    return [
      {
        ...fieldRange(at),
        message:
          `Content-Length ${values[0].value} is sent ${values.length} times (${fields.map((f) => `"${describeField(f)}"`).join(' and ')}): ` +
          'recipients may collapse or reject it (RFC 9110 §8.6); Envoy rejects it (400, or 502 UPE for a response).',
        ...(fields.length > 1
          ? { related: fields.filter((f) => f !== at).map((f) => ({ ...fieldRange(f), message: `Also "${describeField(f)}"` })) }
          : {}),
      },
    ];
  },
};
