import type { Direction } from '../../../protocol/model';
import { fieldsNamed, type HttpMessage } from '../http/httpMessage';
import { directionOf } from '../tcp/tcpReassembler';
import { describeField, fieldRange, type ConnectionRule, type RuleHit } from './rule';
import { bytesAfter, cutShort, directionEnd, directionOfMessage } from './directionEnd';

type Hit = RuleHit & { readonly direction: Direction };

/**
 * A body that does not match its Content-Length: shorter because the sender closed its side
 * first (RFC 9112 §6.3 item 6: incomplete), or followed by bytes that are not the next message
 * (the declared length was too small). Needs the connection: only the sender's FIN shows it meant
 * to stop, and only a gap-free stream shows the extra bytes are real.
 */
export const contentLengthMismatch: ConnectionRule = {
  scope: 'connection',
  id: 'content-length-mismatch',
  title: 'Body length differs from Content-Length',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.3', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.3' },
  description:
    'The body does not match its Content-Length. Either the sender closed its side of the connection (FIN) before the declared number of bytes arrived, which RFC 9112 §6.3 says makes the message incomplete, or bytes follow the declared body that do not begin the next message, so the declared length was too small (a length counted in characters rather than bytes, a trailing newline left out, a body changed after the header was written). ' +
    'A proxy passes on a truncated body, or finds garbage where the next response should start and closes the connection; in a request, bytes beyond the declared body are exactly what a smuggled request looks like to the next hop. ' +
    'Stray CR/LF bytes before the next message are only a warning: many parsers skip empty lines before a start line. ' +
    'A capture that merely stops mid-body is reported as incomplete-message, a body cut by a reset as tcp-rst-mid-message.',
  example: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, world' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'An upstream that closes before its Content-Length is complete: the close is a protocol error (HPE_INVALID_EOF_STATE); the headers have usually gone downstream already, so the client gets the status and a truncated body, logged upstream_reset_after_response_started{protocol_error} with flag UPE (502 UPE if nothing was forwarded yet).',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::execute (a close before the body is complete gives HPE_INVALID_EOF_STATE); source/common/http/codec_client.cc CodecClient::onEvent; source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ connection, http }) {
    const hits: Hit[] = [];
    const messages: HttpMessage[] = [...http.requests, ...http.responses];
    for (const message of messages) {
      if (message.framing !== 'content-length' || message.contentLength === undefined) continue;
      const direction = directionOfMessage(message);
      const bytes = directionOf(connection, direction).bytes;
      const declared = fieldsNamed(message, 'content-length')[0];
      const body = { offset: message.bodyOffset, length: message.bodyLength };
      const bodyRelated = body.length > 0 ? [{ ...body, message: `The ${body.length} body bytes that arrived` }] : [];

      if (cutShort(message)) {
        const end = directionEnd(connection, direction, message.bodyOffset);
        if (end.kind !== 'sender-closed') continue; // capture stopped or lost bytes: incomplete-message; a reset: tcp-rst-mid-message
        hits.push({
          direction,
          ...fieldRange(declared),
          message:
            `"${describeField(declared)}" declares ${message.contentLength} bytes, but only ${message.bodyLength} arrived before the ${message.kind === 'request' ? 'client' : 'server'} ` +
            `closed the connection (FIN in frame ${end.frame}): the body is truncated (RFC 9112 §6.3). Envoy resets the stream (UPE), so the client gets a cut-off body or a 502.`,
          ...(bodyRelated.length ? { related: bodyRelated } : {}),
        });
        continue;
      }

      // Bytes right after the declared body that the parser could not read as the next message.
      const extra = bytesAfter(message, bytes, http.stops);
      if (!extra) continue;
      if (directionOf(connection, direction).gaps.some((gap) => gap.offset >= message.bodyOffset)) continue; // the capture lost bytes
      const next = message.kind === 'request' ? 'request' : 'response';
      hits.push({
        direction,
        offset: extra.offset,
        length: extra.length,
        message: extra.strayLineEnds
          ? `${extra.length} stray line-end ${extra.length === 1 ? 'byte follows' : 'bytes follow'} the ${message.contentLength}-byte body declared by "${describeField(declared)}" before the next ${next}: ` +
            'the declared length leaves out a trailing newline. Parsers that skip empty lines before a start line carry on; one that does not fails on the next message.'
          : `${extra.length} bytes follow the ${message.contentLength}-byte body declared by "${describeField(declared)}" and do not begin another ${next}: ` +
            'the declared length is too small, or the bytes are smuggled: the next hop reads them as the start of the next message.',
        related: [{ ...fieldRange(declared), message: `Declared here: "${describeField(declared)}"` }, ...bodyRelated],
        ...(extra.strayLineEnds ? { severity: 'warning' as const } : {}),
      });
    }
    return hits;
  },
};
