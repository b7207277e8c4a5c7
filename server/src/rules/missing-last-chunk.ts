import type { Direction } from '../../../protocol/model';
import { fieldsNamed, type HttpMessage } from '../http/httpMessage';
import { directionOf } from '../tcp/tcpReassembler';
import { describeField, fieldRange, type ConnectionRule, type RuleHit } from './rule';
import { cutShort, directionEnd, directionOfMessage } from './directionEnd';

type Hit = RuleHit & { readonly direction: Direction };

/** The bytes of [from, to) without CR and LF at the end. */
function trimmedRange(bytes: Uint8Array, from: number, to: number): { offset: number; length: number } {
  let end = to;
  while (end > from && (bytes[end - 1] === 0x0d || bytes[end - 1] === 0x0a)) end--;
  return { offset: from, length: end - from };
}

/**
 * A chunked body that ends, with the sender's FIN, before `0` CRLF [trailers] CRLF (RFC 9112 §8:
 * incomplete). A capture that merely stops is incomplete-message's business, a reset
 * tcp-rst-mid-message's, and a parse that gave up on an invalid chunk size invalid-chunk-size's.
 */
export const missingLastChunk: ConnectionRule = {
  scope: 'connection',
  id: 'missing-last-chunk',
  title: 'Chunked body ends without its last chunk',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '8', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-8' },
  description:
    'A chunked body stops before its last chunk ("0" CRLF, the trailer section, then an empty line) because the sender closed its side of the connection (FIN). ' +
    'RFC 9112 §8 makes such a message incomplete: without the last chunk nobody can tell a finished body from a truncated one, and a client or cache that accepts it keeps a cut-off file. ' +
    'Typical causes are a server that gives up or times out while streaming, or one that closes the connection instead of finishing the chunked encoding. Envoy treats the close as a protocol error. ' +
    'A body cut by a reset is reported as tcp-rst-mid-message, a capture that merely stops as incomplete-message.',
  // The server closes (FIN) right after these bytes.
  example: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As an upstream response: the close is a protocol error (HPE_INVALID_EOF_STATE); the client gets the status and a truncated body, logged upstream_reset_after_response_started{protocol_error} with flag UPE (502 UPE if nothing was forwarded yet). As a request: it never completes; Envoy waits for the idle or request timeout.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::execute (a close inside a chunked body gives HPE_INVALID_EOF_STATE); source/common/http/codec_client.cc CodecClient::onEvent; source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ connection, http }) {
    const hits: Hit[] = [];
    const messages: HttpMessage[] = [...http.requests, ...http.responses];
    for (const message of messages) {
      if (message.framing !== 'chunked' || !cutShort(message)) continue;
      const direction = directionOfMessage(message);
      const end = directionEnd(connection, direction, message.bodyOffset);
      if (end.kind !== 'sender-closed') continue;
      const bytes = directionOf(connection, direction).bytes;
      const te = fieldsNamed(message, 'transfer-encoding');
      const last = message.chunks[message.chunks.length - 1];
      // The unfinished tail: the last chunk (size line onwards), or whatever body bytes came.
      let range = trimmedRange(bytes, last ? last.sizeLine.offset : message.bodyOffset, bytes.length);
      let what: string;
      if (!last) what = range.length > 0 ? 'before a complete chunk-size line' : 'before any chunk';
      else if (last.size === 0) what = 'after the last chunk "0" but before the empty line that ends the trailer section';
      else {
        const received = Math.max(0, Math.min(bytes.length, last.dataOffset + last.size) - last.dataOffset);
        what = received < last.size ? `in the middle of a ${last.size}-byte chunk (${received} bytes of it arrived)` : `after a ${last.size}-byte chunk, without the last chunk "0"`;
      }
      // Nothing of the body arrived: the finding sits on the field that promised one.
      const onField = range.length === 0;
      if (onField) range = fieldRange(te[te.length - 1]);
      const related = onField ? [] : te.map((field) => ({ ...fieldRange(field), message: `Chunked framing declared by "${describeField(field)}"` }));
      hits.push({
        direction,
        ...range,
        message:
          `The chunked body ends ${what}: the ${message.kind === 'request' ? 'client' : 'server'} closed the connection (FIN in frame ${end.frame}). ` +
          'Without the last chunk the message is incomplete (RFC 9112 §8); Envoy treats the close as a protocol error, so the client gets a truncated body (UPE).',
        ...(related.length ? { related } : {}),
      });
    }
    return hits;
  },
};
