import { framingLines, plural, quoteBytes, type MessageLine } from './messageLines';
import type { MessageRule } from './rule';

/** At most this many other bare LFs are listed as related locations. */
const MAX_RELATED = 50;

const CHUNK_ROLES: ReadonlySet<string> = new Set(['chunk-size line', 'line end after chunk data', 'trailer field line', 'empty line ending the trailer section']);

function where(bytes: Uint8Array, { line, role }: MessageLine): string {
  return line.length === 0 ? `the ${role}` : `the ${role} "${quoteBytes(bytes, line.offset, line.length)}"`;
}

/**
 * A line of the message's framing ends in LF without the CR before it. RFC 9112 §2.2 lets a
 * recipient accept that in the start line and field lines; the chunked grammar (§7.1) has no such
 * leniency, and there parsers disagree. The finding covers exactly the lone LF byte(s).
 */
export const bareLf: MessageRule = {
  scope: 'message',
  id: 'bare-lf',
  title: 'Line terminated by a bare LF instead of CRLF',
  severity: 'warning',
  rfc: { document: 'RFC 9112', section: '2.2', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-2.2' },
  description:
    'A line of the message framing (the start line, a field line, the empty line ending the header section, a chunk-size line, the line end after chunk data, or a trailer line) ends in LF without the CR that must precede it. ' +
    'RFC 9112 §2.2 lets a recipient accept a bare LF in the start line and field lines, and most do, so the message usually works; it typically comes from a hand-written server or test tool that writes "\\n". ' +
    'The chunked framing (§7.1) has no such leniency and there implementations disagree: recent Envoy builds reject a chunk-size line ending in a bare LF while older ones accept it, and a disagreement about where a chunk ends is a request-smuggling shape, so that case is reported as an error.',
  example: { response: 'HTTP/1.1 200 OK\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'accept',
      summary:
        'Accepts a bare LF after the start line, after field lines and as the empty line ending the headers (Balsa splits header lines on LF alone), and after chunk data (a warning only). ' +
        'Exception: a chunk-size line ending in a bare LF is rejected when the bundled quiche is from March 2025 or later (its disallow_lone_lf_in_chunk_extension defaults to true and Envoy does not override it): as a request 400 http1.codec_error (INVALID_CHUNK_EXTENSION); as an upstream response the headers have already gone downstream, so the client sees a truncated response (upstream_reset_after_response_started{protocol_error}, UPE). Older builds accept it; http-parser builds accept bare LFs too (inferred).',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessHeaders, READING_CHUNK_EXTENSION and IsValidChunkExtensionCharacter, READING_CHUNK_TERM; quiche/balsa/http_validation_policy.h (disallow_lone_lf_in_chunk_extension = true, quiche 6ef7c828 of 2025-03-10); envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::BalsaParser',
    },
  ],
  check({ message, bytes }) {
    const bare = framingLines(message, bytes).filter(({ line }) => line.terminator === 'lf');
    if (bare.length === 0) return [];
    const [first, ...others] = bare;
    const lfAt = ({ line }: MessageLine) => line.offset + line.length;
    const roles = new Set(bare.map(({ role }) => role));
    const count = bare.length === 1 ? 'A line' : `${plural(bare.length, 'line')} of this ${message.kind}`;
    const chunkNote = roles.has('chunk-size line')
      ? ' A chunk-size line is among them: RFC 9112 §7.1 requires CRLF there, and Envoy builds with a quiche from March 2025 on reject the message (older builds accept it), so hops can disagree about where a chunk ends.'
      : [...roles].some((role) => CHUNK_ROLES.has(role))
        ? ' Some are in the chunked framing, where RFC 9112 §7.1 gives no bare-LF leniency; Envoy accepts these.'
        : ' RFC 9112 §2.2 allows recipients to accept a bare LF here, and Envoy does.';
    return [
      {
        offset: lfAt(first),
        length: 1,
        message: `${count} ${bare.length === 1 ? 'ends' : 'end'} in a bare LF (0x0a without the CR before it); the first ends ${where(bytes, first)}.${chunkNote}`,
        related: others.slice(0, MAX_RELATED).map((entry) => ({ offset: lfAt(entry), length: 1, message: `Bare LF ending ${where(bytes, entry)}` })),
        // Where recent Envoy rejects it and hops can disagree on chunk boundaries, it is an error.
        ...(roles.has('chunk-size line') ? { severity: 'error' as const } : {}),
      },
    ];
  },
};
