import { headerSectionLines, plural, quoteBytes, type MessageLine } from './messageLines';
import type { MessageRule } from './rule';

const CR = 0x0d;
const MAX_RELATED = 50;

/** Every CR inside the start line, the field lines and the trailer field lines (never a terminator's CR). */
function bareCrs(lines: readonly MessageLine[], bytes: Uint8Array): { offset: number; entry: MessageLine }[] {
  const found: { offset: number; entry: MessageLine }[] = [];
  for (const entry of lines) {
    // A line's length stops before its CRLF, so any CR inside it is not followed by LF.
    for (let i = entry.line.offset; i < entry.line.offset + entry.line.length; i++) if (bytes[i] === CR) found.push({ offset: i, entry });
  }
  return found;
}

/**
 * A CR that is not followed by LF in the start line or a field line. RFC 9112 §2.2: a recipient
 * must treat the element as invalid or replace the CR with SP; parsers that end a line at a bare
 * CR see other header fields than those that do not. Chunk-size lines are left to the chunk rules,
 * trailer lines to invalid-trailer.
 */
export const bareCr: MessageRule = {
  scope: 'message',
  id: 'bare-cr',
  title: 'Bare CR (not followed by LF) in the start line or a field line',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '2.2', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-2.2' },
  description:
    'The start line or a field line contains a CR that is not immediately followed by LF. RFC 9112 §2.2 forbids sending one and requires a recipient to treat the element as invalid or to replace each bare CR with SP before processing or forwarding it. ' +
    'Implementations do neither consistently: some end the line at the CR (so "X: a\\rTransfer-Encoding: chunked" becomes two fields), some keep it, and Envoy deletes it and joins the text around it, which makes a bare CR a classic header-injection and request-smuggling vector.',
  example: { request: 'GET / HTTP/1.1\r\nHost: example.com\r\nX-Note: a\rTransfer-Encoding: chunked\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'accept-with-rewrite',
      summary:
        'In a field value a bare CR is accepted and deleted, not replaced by SP: BalsaParser removes every CR and LF from values, so "X: a\\rY: b" is passed on as the one field "x: aY: b" (disallow_lone_cr_in_request_headers keeps its default, false). ' +
        'A bare CR before the colon is an invalid name character (400 http1.codec_error; 502 UPE for an upstream response). In the start line Balsa treats the CR as whitespace when splitting (sanitize_cr_tab_in_first_line is NONE); what follows depends on where it falls (inferred). Chunk extensions are a separate case (see the chunk rules).',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::CheckHeaderLinesForInvalidChars, FindColonsAndParseIntoKeyValue, ParseHTTPFirstLine; envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::validateAndProcessHeadersOrTrailersImpl (CR/LF removal)',
    },
  ],
  check({ message, bytes }) {
    // Chunk-size lines are the chunk rules', CRs in trailer values invalid-trailer's.
    const lines = headerSectionLines(message, bytes).filter(({ line }) => line.length > 0);
    const found = bareCrs(lines, bytes);
    if (found.length === 0) return [];
    const [first, ...others] = found;
    const describe = ({ entry }: { entry: MessageLine }) => `the ${entry.role} "${quoteBytes(bytes, entry.line.offset, entry.line.length)}"`;
    const count = found.length === 1 ? 'A CR' : `${plural(found.length, 'CR')} in this ${message.kind}`;
    return [
      {
        offset: first.offset,
        length: 1,
        message:
          `${count} not followed by LF (bare CR, 0x0d); the first is in ${describe(first)}. ` +
          'RFC 9112 §2.2: the recipient must reject the element or replace the CR with SP. Parsers that end a line at the CR see different fields than those that do not; Envoy deletes the CR and joins the text around it.',
        related: others.slice(0, MAX_RELATED).map((hit) => ({ offset: hit.offset, length: 1, message: `Bare CR in ${describe(hit)}` })),
      },
    ];
  },
};
