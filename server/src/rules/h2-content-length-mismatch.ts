import type { Direction } from '../../../protocol/model';
import { fieldRange, fieldText, frameRange, SENDER, streamLabel } from '../http2/describeHttp2';
import type { Http2Message, Http2Stream } from '../http2/http2Conversation';
import { CURL_RESETS_STREAM, NODE_RESETS_STREAM, RFC9113 } from './h2Verdicts';
import type { ConnectionRule, RuleHit } from './rule';

/** Statuses and methods whose responses carry no content whatever content-length says (RFC 9110 §8.6, §9.3.2). */
function bodiless(stream: Http2Stream, message: Http2Message): boolean {
  if (message.direction === 'client-to-server') return false;
  const status = Number(message.headers?.fields.find((f) => f.name === ':status')?.value);
  const method = stream.request.headers?.fields.find((f) => f.name === ':method')?.value;
  return method === 'HEAD' || status === 204 || status === 304;
}

/**
 * content-length that disagrees with the DATA the message carried up to END_STREAM
 * (RFC 9113 §8.1.1): the message is malformed. Only messages whose end is in the capture.
 */
export const h2ContentLengthMismatch: ConnectionRule = {
  scope: 'connection',
  id: 'h2-content-length-mismatch',
  title: 'HTTP/2 content-length differs from the DATA sent',
  severity: 'error',
  rfc: RFC9113('8.1.1'),
  description:
    'An HTTP/2 request or response declares content-length, but the DATA frames it sent before END_STREAM add up to a different number of bytes (padding excluded). ' +
    'RFC 9113 §8.1.1 makes such a message malformed, and intermediaries must not forward it: the recipient resets the stream with PROTOCOL_ERROR. ' +
    'Common causes: a length computed before compression or re-encoding, or a body cut short by an upstream error.',
  verdicts: [NODE_RESETS_STREAM, CURL_RESETS_STREAM],
  check({ http }) {
    if (!http.http2) return [];
    const hits: (RuleHit & { direction: Direction })[] = [];
    for (const stream of http.http2.streams) {
      for (const message of [stream.request, stream.response]) {
        const block = message.headers;
        const field = block?.fields.find((f) => f.name.toLowerCase() === 'content-length');
        if (!block || !field || !message.endStreamFrame || bodiless(stream, message)) continue;
        if (!/^\d+$/.test(field.value.trim())) continue;
        const declared = Number(field.value.trim());
        if (declared === message.dataLength) continue;
        const end = message.endStreamFrame;
        hits.push({
          direction: message.direction,
          ...fieldRange(field),
          message: `"${fieldText(field)}" in ${streamLabel(stream)}, but ${SENDER[message.direction]} sent ${message.dataLength} byte${message.dataLength === 1 ? '' : 's'} of DATA before END_STREAM: the message is malformed and the peer resets the stream (PROTOCOL_ERROR).`,
          related: [{ ...frameRange(end), message: `END_STREAM after ${message.dataLength} bytes of DATA` }],
        });
      }
    }
    return hits;
  },
};
