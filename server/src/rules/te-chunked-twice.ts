import { fieldsNamed, type HeaderField } from '../http/httpMessage';
import { describeField, fieldRange, type MessageRule } from './rule';

/** Each transfer coding named by the message's Transfer-Encoding lines, with the line naming it. */
function codingsWithFields(fields: readonly HeaderField[]): { field: HeaderField; coding: string }[] {
  return fields.flatMap((field) =>
    field.value
      .split(',')
      .map((element) => element.split(';')[0].trim().toLowerCase())
      .filter((coding) => coding.length > 0)
      .map((coding) => ({ field, coding })),
  );
}

/**
 * `chunked` more than once within one Transfer-Encoding field line (`chunked, chunked`). RFC 9112
 * §6.1: a sender MUST NOT apply chunked more than once. Complementary to
 * duplicate-transfer-encoding, which reports several Transfer-Encoding lines (and so the chunked
 * that their combination repeats, RFC 9110 §5.3): a repeat that comes only from combining lines
 * is its finding, not a second one on the same bytes; a repeat inside a line is this rule's.
 */
export const teChunkedTwice: MessageRule = {
  scope: 'message',
  id: 'te-chunked-twice',
  title: 'chunked applied more than once',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.1', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.1' },
  description:
    'A Transfer-Encoding field line names chunked more than once ("chunked, chunked", "chunked, gzip, chunked"). ' +
    'RFC 9112 §6.1 forbids applying chunked more than once, so the body cannot be decoded as declared: strict recipients reject the message, lenient ones decode a single layer and carry on, and the two disagree on where the body ends. ' +
    'Envoy requires the whole value to be exactly "chunked" and rejects it. ' +
    'Several Transfer-Encoding lines that each say chunked ("Chunked" on one, "chunked" on another) repeat it only once combined (RFC 9110 §5.3); that is duplicate-transfer-encoding\'s finding, so it is not reported twice.',
  example: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As an upstream response: resets the upstream → client gets 502, response flag UPE, upstream_reset_before_response_started{protocol_error}. As a request: 501, http1.invalid_transfer_encoding.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ConnectionImpl::onHeadersCompleteImpl (Transfer-Encoding must equal "chunked"); source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ message }) {
    const codings = codingsWithFields(fieldsNamed(message, 'transfer-encoding'));
    const chunked = codings.filter((c) => c.coding === 'chunked');
    const times = (field: HeaderField) => chunked.filter((c) => c.field === field).length;
    const at = chunked.find((c) => times(c.field) > 1)?.field;
    if (!at) return [];
    const others = [...new Set(chunked.map((c) => c.field))].filter((field) => field !== at);
    const combined = others.length ? ` (${chunked.length} times with ${others.map((field) => `"${describeField(field)}"`).join(' and ')})` : '';
    return [
      {
        ...fieldRange(at),
        message:
          `"${describeField(at)}" applies chunked ${times(at)} times${combined}; RFC 9112 allows it once. ` +
          'Envoy rejects the message (502 UPE for a response, 501 for a request); lenient parsers decode one layer and read on.',
        ...(others.length ? { related: others.map((field) => ({ ...fieldRange(field), message: `chunked also in "${describeField(field)}"` })) } : {}),
      },
    ];
  },
};
