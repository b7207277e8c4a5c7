import type { HeaderField } from '../http/httpMessage';
import { escapeByte } from '../text/escapeBytes';
import { plural } from './messageLines';
import { describeField, fieldRange, type MessageRule, type RuleHit } from './rule';

const MAX_RELATED = 20;

/**
 * Bytes RFC 9110 §5.5 does not allow in a field value: NUL and the other controls but HTAB, and
 * DEL. CR and LF are reported by bare-cr and bare-lf (one finding per byte); obs-text is allowed.
 */
function isInvalidValueByte(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;
}

/** Offsets of invalid bytes in the value part of the field line and its continuation lines. */
function invalidBytes(field: HeaderField, bytes: Uint8Array): number[] {
  const found: number[] = [];
  const scan = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (isInvalidValueByte(bytes[i])) found.push(i);
  };
  // rawName is everything before the first colon, so the value starts one byte after it.
  scan(field.line.offset + field.rawName.length + 1, field.line.offset + field.line.length);
  for (const line of field.continuations) scan(line.offset, line.offset + line.length);
  return found;
}

function byteName(byte: number): string {
  return byte === 0 ? 'NUL (0x00)' : byte === 0x7f ? 'DEL (0x7f)' : `control byte ${escapeByte(byte)}`;
}

/**
 * A field value containing NUL, another control byte (HTAB aside) or DEL (RFC 9110 §5.5: such
 * values are invalid and dangerous). The finding covers the first such byte; the others in the
 * same field are related.
 */
export const invalidHeaderValue: MessageRule = {
  scope: 'message',
  id: 'invalid-header-value',
  title: 'Field value with NUL, control bytes or DEL',
  severity: 'error',
  rfc: { document: 'RFC 9110', section: '5.5', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-5.5' },
  description:
    'A field value contains NUL, another control byte other than HTAB, or DEL. RFC 9110 §5.5 allows only visible characters, SP, HTAB and obs-text in values and calls values with CR, LF or NUL invalid and dangerous: a recipient must reject them or replace each with SP. ' +
    'C-string handling truncates at NUL and terminals and logs interpret escape bytes, so hops see different values. ' +
    'A CR or LF inside a value is reported by bare-cr or bare-lf instead, so each byte gets one finding.',
  example: { request: 'GET / HTTP/1.1\r\nHost: example.com\r\nX-User: alice\x00admin\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400, http1.invalid_characters (Balsa: "header value contains invalid chars"; with http-parser the codec\'s own HeaderUtility::headerValueIsValid check catches NUL), response flag DPE. As an upstream response: 502 UPE, upstream_reset_before_response_started{protocol_error} (disallow_invalid_header_characters_in_response=true).',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::CheckHeaderLinesForInvalidChars (InvalidCharsLevel::kError); envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::onHeaderValueImpl, ConnectionImpl::dispatchSlice',
    },
  ],
  check({ message, bytes }) {
    const hits: RuleHit[] = [];
    // Trailer values are invalid-trailer's (it reports control bytes there).
    for (const field of message.headers) {
      const found = invalidBytes(field, bytes);
      if (found.length === 0) continue;
      const [first, ...others] = found;
      const kinds = [...new Set(found.map((at) => byteName(bytes[at])))];
      const envoy =
        message.kind === 'request' ? 'Envoy rejects the request (400 http1.invalid_characters).' : 'Envoy rejects the response (502 UPE).';
      hits.push({
        offset: first,
        length: 1,
        message: `The value of "${describeField(field)}" contains ${plural(found.length, 'invalid byte')}: ${kinds.join(', ')}. RFC 9110 §5.5 allows only visible characters, SP, HTAB and obs-text. ${envoy}`,
        related: [
          { ...fieldRange(field), message: 'The field line holding the invalid bytes' },
          ...others.slice(0, MAX_RELATED).map((at) => ({ offset: at, length: 1, message: `Also ${byteName(bytes[at])}` })),
        ],
      });
    }
    return hits;
  },
};
