import { ParseIssueCode } from '../http/httpMessage';
import { latin1, readLine } from '../http/parseHttpMessage';
import { escapeLatin1 } from '../text/escapeBytes';
import type { MessageRule, RuleHit } from './rule';
import { chunkSizeLineParts } from './chunkSizeLine';

const TWO_64 = 2n ** 64n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Go's parseHexUint refuses a 17th digit ("http chunk length too large"), leading zeros included. */
const MAX_DIGITS = 16;

const ENVOY_REJECTS = 'Envoy rejects it (400, or a reset mid-response)';

/**
 * Why a chunk-size token is not 1*HEXDIG of a plausible size, and what Envoy (Balsa) makes of it;
 * undefined when the token is fine.
 */
function problem(token: string): { why: string; envoy: string } | undefined {
  const shown = `"${escapeLatin1(token)}"`;
  if (token === '') return { why: 'is empty', envoy: ENVOY_REJECTS };
  if (/^[0-9A-Fa-f]+$/.test(token)) {
    const value = BigInt(`0x${token}`);
    if (value >= TWO_64) return { why: `${shown} is ${value} bytes: it overflows 64 bits, and a parser that wraps around reads a small size (2^64 reads as 0)`, envoy: ENVOY_REJECTS };
    if (value > MAX_SAFE) return { why: `${shown} is ${value} bytes: more than 2^53−1, no real chunk is that large`, envoy: 'Envoy accepts the size and waits for that many bytes' };
    return undefined;
  }
  if (/^0[xX][0-9A-Fa-f]+$/.test(token)) return { why: `${shown} has a "0x" prefix: chunk sizes are bare hex digits, and parsers stop at the "x" or reject it`, envoy: ENVOY_REJECTS };
  if (/^[ \t]/.test(token)) return { why: `${shown} starts with whitespace`, envoy: ENVOY_REJECTS };
  if (/^[0-9A-Fa-f]+[ \t]+\S/.test(token)) {
    return { why: `${shown} has whitespace inside: parsers that stop at the blank read another size than those that reject the line`, envoy: 'Envoy (Balsa) reads only the digits before the blank and ignores the rest of the line' };
  }
  if (/^[0-9A-Fa-f]/.test(token)) return { why: `${shown} has non-hex bytes after its digits: lenient parsers read only the hex prefix, others reject the line`, envoy: ENVOY_REJECTS };
  return { why: `${shown} is not hexadecimal`, envoy: ENVOY_REJECTS };
}

/**
 * A chunk-size that is not 1*HEXDIG (RFC 9112 §7.1), or one so large that recipients overflow.
 * The finding covers exactly the chunk-size token (up to `;` or the line end, blanks trimmed).
 */
export const invalidChunkSize: MessageRule = {
  scope: 'message',
  id: 'invalid-chunk-size',
  title: 'Invalid chunk size',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '7.1', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-7.1' },
  description:
    'A chunk-size is not a plain hexadecimal number: it has non-hex bytes ("fx"), a "0x" prefix, whitespace before or inside it ("1 0"), is empty, or is too large to be real (beyond 2^53−1 bytes; past 2^64−1 it overflows 64-bit parsers, which RFC 9112 §7.1 tells recipients to guard against). ' +
    'Parsers disagree on such sizes: Balsa reads "1 0" as 1 and ignores the rest of the line, llhttp and Go reject it, a parser that wraps around reads 2^64 as 0. That disagreement is chunked request smuggling: one hop sees the end of the body where another still sees data. ' +
    'A size written with more than 16 hex digits (leading zeros) is valid but refused by Go, and is reported as a warning.',
  example: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfx\r\nX5O!P%@AP[4\\PZX\r\n0\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400 http1.codec_error (INVALID_CHUNK_LENGTH or CHUNK_LENGTH_OVERFLOW), or a stream reset when the request headers have already gone upstream. As an upstream response: the headers were already forwarded, so the client gets a truncated response, logged upstream_reset_after_response_started{protocol_error} with flag UPE. Balsa accepts spaces or tabs after the hex digits and ignores the rest of the line, so "1 0" is read as 1.',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessInput (READING_CHUNK_LENGTH); envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::HandleError; source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ message, bytes }) {
    const hits: RuleHit[] = [];
    // The parser stops at the first size line it cannot read; the token decides whether the size is to blame.
    for (const issue of message.issues) {
      if (issue.code !== ParseIssueCode.InvalidChunkSize) continue;
      const line = readLine(bytes, issue.offset) ?? { offset: issue.offset, length: issue.length, terminator: 'none' as const, next: issue.offset + issue.length };
      const { token } = chunkSizeLineParts(bytes, line);
      const found = problem(latin1(bytes, token.offset, token.length));
      if (!found) continue; // the size is fine; the bytes after it are chunk-extension-abuse's business
      // An empty size covers its whole line, or the line's terminator when the line is empty.
      const range = token.length > 0 ? token : line.length > 0 ? { offset: line.offset, length: line.length } : { offset: line.offset, length: line.next - line.offset };
      hits.push({
        ...range,
        message: `Chunk size ${found.why}. The chunk-size must be 1*HEXDIG (RFC 9112 §7.1); ${found.envoy}, and parsers that guess disagree on where the body ends.`,
      });
    }
    for (const chunk of message.chunks) {
      const { token } = chunkSizeLineParts(bytes, chunk.sizeLine);
      if (token.length <= MAX_DIGITS) continue;
      hits.push({
        ...token,
        severity: 'warning',
        message: `Chunk size "${escapeLatin1(latin1(bytes, token.offset, token.length))}" (${chunk.size} bytes) is written with ${token.length} hex digits: valid, but Go refuses more than ${MAX_DIGITS} ("http chunk length too large").`,
      });
    }
    return hits;
  },
};
