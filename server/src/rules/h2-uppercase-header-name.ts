import { allHeaderBlocks, fieldRange, fieldText, roleWords, SENDER, streamLabel } from '../http2/describeHttp2';
import { CURL_RESETS_STREAM, NODE_RESETS_STREAM, RFC9113 } from './h2Verdicts';
import type { ConnectionRule } from './rule';

/**
 * An HTTP/2 field name with uppercase letters. HTTP/1.x names are case-insensitive, but HTTP/2
 * sends them lowercased and a name with A–Z makes the message malformed (RFC 9113 §8.2.1): the
 * usual cause is a proxy or library that copies HTTP/1 names into HTTP/2 unchanged.
 */
export const h2UppercaseHeaderName: ConnectionRule = {
  scope: 'connection',
  id: 'h2-uppercase-header-name',
  title: 'HTTP/2 field name with uppercase letters',
  severity: 'error',
  rfc: RFC9113('8.2.1'),
  description:
    'An HTTP/2 header block carries a field name with uppercase letters. HTTP/2 field names must be lowercase on the wire (RFC 9113 §8.2.1): a name with characters A–Z makes the request or response malformed, ' +
    'and a recipient must treat it as a stream error of type PROTOCOL_ERROR (§8.1.1). It usually comes from code that copies HTTP/1.x names ("Content-Type") into HTTP/2 unchanged, which works over HTTP/1.1 and fails once a proxy speaks HTTP/2.',
  verdicts: [
    NODE_RESETS_STREAM,
    CURL_RESETS_STREAM,
    {
      implementation: 'go',
      outcome: 'reject',
      summary: 'golang.org/x/net/http2 refuses the header block: stream error PROTOCOL_ERROR ("invalid header field name").',
      source: 'cited',
      reference: 'golang/net http2/frame.go Framer.readMetaFrame → validWireHeaderFieldName (rejects \'A\'–\'Z\')',
    },
  ],
  check({ http }) {
    if (!http.http2) return [];
    return allHeaderBlocks(http.http2).flatMap(({ stream, block, role }) =>
      block.fields
        .filter((field) => /[A-Z]/.test(field.name))
        .map((field) => ({
          direction: block.direction,
          ...fieldRange(field),
          message: `"${fieldText(field)}" in the ${roleWords(role)} of ${streamLabel(stream)} has uppercase letters in its name; HTTP/2 names are lowercase (send "${field.name.toLowerCase()}"). A strict peer resets the stream (PROTOCOL_ERROR); sent by ${SENDER[block.direction]}.`,
        })),
    );
  },
};
