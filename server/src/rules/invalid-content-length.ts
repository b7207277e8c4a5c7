import { escapeLatin1 } from '../text/escapeBytes';
import { describeField, fieldRange, type MessageRule } from './rule';
import { contentLengthValues, MAX_SAFE_LENGTH, type ContentLengthValue } from './contentLengthValues';

const TWO_63 = 2n ** 63n;
const TWO_64 = 2n ** 64n;

/** Why a Content-Length element is not a usable length, or undefined when it is one. */
function problem(element: ContentLengthValue): string | undefined {
  const text = element.text;
  if (element.value !== undefined) {
    if (element.value <= MAX_SAFE_LENGTH) return undefined;
    const bits = element.value >= TWO_64 ? 'overflows 64-bit integers' : element.value >= TWO_63 ? 'overflows signed 64-bit integers' : 'loses precision in a double';
    return `is ${text.length} digits long: more than 2^53−1 bytes, no real body, and it ${bits}`;
  }
  if (text === '') return 'is empty';
  if (/^[+-][0-9]+$/.test(text)) return `has a sign ("${escapeLatin1(text)}")`;
  if (/^0[xX][0-9A-Fa-f]+$/.test(text)) return `is hexadecimal ("${escapeLatin1(text)}")`;
  if (/^[0-9]+(?:[ \t]+[0-9]+)+$/.test(text)) return `has whitespace inside the number ("${escapeLatin1(text)}")`;
  if (/^[0-9]/.test(text)) return `has a numeric prefix followed by other bytes ("${escapeLatin1(text)}"), which lenient parsers read as the prefix`;
  return `is not a decimal number ("${escapeLatin1(text)}")`;
}

/**
 * Content-Length that is not 1*DIGIT (RFC 9110 §8.6), or too large to be real. RFC 9112 §6.3
 * item 5: invalid framing, 400 for a request, 502 from a proxy. One finding per field line.
 */
export const invalidContentLength: MessageRule = {
  scope: 'message',
  id: 'invalid-content-length',
  title: 'Content-Length that is not a decimal number',
  severity: 'error',
  rfc: { document: 'RFC 9110', section: '8.6', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-8.6' },
  description:
    'A Content-Length value is not a plain decimal number: empty, signed ("+5", "-1"), hexadecimal ("0x10"), with whitespace or other bytes inside ("1 0", "5abc"), or larger than 2^53−1, which no real body is and which parsers that overflow 64 bits or lose precision read as another length (RFC 9110 §8.6 warns recipients about exactly this). ' +
    'RFC 9112 §6.3 makes the framing invalid: a server must answer 400, a proxy 502. ' +
    'Parsers that read a numeric prefix ("5abc" as 5) or ignore a value they cannot parse frame the body differently from strict ones, which is what smuggling needs.',
  example: { request: 'POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: +5\r\n\r\nhello' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400, http1.codec_error (UNPARSABLE_CONTENT_LENGTH with Balsa, HPE_INVALID_CONTENT_LENGTH with http-parser). As an upstream response: resets the upstream → 502 UPE. Not checked when the response cannot have a body: then a 204 with Content-Length other than "0" gets 502 UPE (http1.content_length_not_allowed), a 304 or HEAD response is accepted.',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessContentLengthLine, AssignParseStateAfterHeadersHaveBeenParsed (UNPARSABLE_CONTENT_LENGTH); envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::dispatchSlice, ClientConnectionImpl::onHeadersCompleteBase',
    },
  ],
  check({ message }) {
    const values = contentLengthValues(message);
    const fields = [...new Set(values.map((v) => v.field))];
    return fields.flatMap((field) => {
      const problems = values.filter((v) => v.field === field).map(problem).filter((p): p is string => p !== undefined);
      if (problems.length === 0) return [];
      return [
        {
          ...fieldRange(field),
          message:
            `"${describeField(field)}": the value ${problems.join('; and ')}. ` +
            'Content-Length must be 1*DIGIT (RFC 9110 §8.6); strict recipients reject the message (Envoy: 400, or 502 UPE for a response), lenient ones guess a length.',
        },
      ];
    });
  },
};
