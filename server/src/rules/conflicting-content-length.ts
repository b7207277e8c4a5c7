import { describeField, fieldRange, type MessageRule } from './rule';
import { contentLengthValues, fieldsOf } from './contentLengthValues';

/**
 * Content-Length with different values, across field lines or within one comma-separated list.
 * RFC 9112 §6.3 (item 5): the framing is invalid, an unrecoverable error; two hops that pick
 * different values split the byte stream in different places.
 */
export const conflictingContentLength: MessageRule = {
  scope: 'message',
  id: 'conflicting-content-length',
  title: 'Content-Length with conflicting values',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.3', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.3' },
  description:
    'Content-Length is sent with different values, on several field lines or as a comma-separated list in one line (for example 68 and 34). ' +
    'RFC 9112 §6.3 makes such framing invalid and unrecoverable: a server must answer 400 and close, a proxy must discard the response and answer 502. ' +
    'A hop that takes the first value and another that takes the last split the byte stream at different places: request smuggling or response splitting. Envoy rejects the message.',
  example: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400, http1.codec_error (HPE_UNEXPECTED_CONTENT_LENGTH). As an upstream response: resets the upstream → 502 UPE, upstream_reset_before_response_started{protocol_error}. Two values in one line ("5, 7") are rejected as unparsable, with the same outcome.',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessHeaderLines (MULTIPLE_CONTENT_LENGTH_KEYS), ProcessContentLengthLine; envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::HandleError; codec_impl.cc ConnectionImpl::dispatchSlice',
    },
  ],
  check({ message }) {
    const values = contentLengthValues(message).filter((v) => v.value !== undefined);
    const distinct = [...new Set(values.map((v) => v.value!))];
    if (distinct.length < 2) return [];
    const first = values.find((v) => v.value !== values[0].value)!;
    const fields = fieldsOf(values);
    return [
      {
        ...fieldRange(first.field),
        message:
          `Content-Length has ${distinct.length} different values (${distinct.join(', ')}) in ${fields.map((f) => `"${describeField(f)}"`).join(' and ')}: ` +
          'the framing is invalid (RFC 9112 §6.3), and hops that pick different values split the stream differently. Envoy rejects it (400, or 502 UPE for a response).',
        ...(fields.length > 1
          ? { related: fields.filter((f) => f !== first.field).map((f) => ({ ...fieldRange(f), message: `Content-Length: "${describeField(f)}"` })) }
          : {}),
      },
    ];
  },
};
