import type { RelatedBytes } from '../../../protocol/model';
import { latin1 } from '../http/parseHttpMessage';
import { escapeByte, escapeLatin1 } from '../text/escapeBytes';
import type { MessageRule, RuleHit } from './rule';
import { chunkSizeLineParts } from './chunkSizeLine';

/**
 * Thresholds from real implementations:
 * - Node.js (src/node_http_parser.cc) fails a message once the chunk-extension names and values
 *   it has seen exceed kMaxChunkExtensionsSize = 16384 bytes (CVE-2024-22019).
 * - Go (net/http/internal/chunked.go) refuses a chunk-size line of maxLineLength = 4096 bytes or
 *   more, and fails with "chunked encoding contains too much non-data" once the overhead beyond
 *   16 bytes per chunk plus twice the chunk's data exceeds 16 KiB (CVE-2023-39326).
 * Nobody limits the number of extensions as such; many extensions show up through these byte counts.
 */
const NODE_MAX_EXTENSION_BYTES = 16384;
const GO_MAX_LINE_LENGTH = 4096;
const GO_MAX_EXCESS = 16 * 1024;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

interface Grammar {
  readonly extensions: number;
  /** Bytes of names and values, the quantity Node.js counts. */
  readonly nameValueBytes: number;
  /** Where the text stops matching `*( BWS ";" BWS name [ BWS "=" BWS value ] )`, and why. */
  readonly error?: { readonly at: number; readonly why: string };
}

/** RFC 9112 §7.1.1 chunk-ext over `text` (the extension, from its first non-blank byte). Trailing blanks are tolerated. */
function parseExtensions(text: string): Grammar {
  let i = 0;
  let extensions = 0;
  let nameValueBytes = 0;
  const blanks = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const token = () => {
    const start = i;
    while (i < text.length && TCHAR.test(text[i])) i++;
    return i - start;
  };
  const describe = (at: number) => (at < text.length ? `"${escapeByte(text.charCodeAt(at))}" at byte ${at + 1}` : 'the line end');
  const fail = (why: string) => ({ extensions, nameValueBytes, error: { at: i, why: `${why}, found ${describe(i)}` } });
  for (;;) {
    blanks();
    if (i >= text.length) return { extensions, nameValueBytes };
    if (text[i] !== ';') return fail('expected ";" before the next extension');
    i++;
    blanks();
    const name = token();
    if (name === 0) return fail('expected an extension name (a token)');
    nameValueBytes += name;
    extensions++;
    blanks();
    if (text[i] !== '=') continue;
    i++;
    blanks();
    if (text[i] === '"') {
      const start = i++;
      for (;;) {
        if (i >= text.length) return fail('unterminated quoted string');
        const c = text.charCodeAt(i);
        if (c === 0x22) break;
        if (c === 0x5c) {
          i++;
          if (i >= text.length) return fail('unterminated quoted string');
        } else if (!(c === 0x09 || c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80)) return fail('invalid byte in a quoted string');
        i++;
      }
      i++;
      nameValueBytes += i - start;
    } else {
      const value = token();
      if (value === 0) return fail('expected a value (a token or a quoted string)');
      nameValueBytes += value;
    }
  }
}

type Kind = 'bare-cr' | 'control' | 'malformed' | 'long-line' | 'node-total' | 'go-overhead';

interface Occurrence {
  readonly range: { readonly offset: number; readonly length: number };
  readonly message: string;
}

/**
 * Chunk extensions (`5;name=value`) that are malformed or abusive (RFC 9112 §7.1.1): bare CR or
 * other control bytes, bytes outside token / quoted-string, or more bytes than real parsers accept.
 * One finding per kind of problem and message, on its first occurrence, the others related.
 */
export const chunkExtensionAbuse: MessageRule = {
  scope: 'message',
  id: 'chunk-extension-abuse',
  title: 'Malformed or oversized chunk extensions',
  severity: 'warning',
  rfc: { document: 'RFC 9112', section: '7.1.1', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-7.1.1' },
  description:
    'A chunk-size line carries extensions (";name=value") that are malformed or abusive: a bare CR or another control byte, bytes that are neither token nor quoted-string, or more extension bytes than real parsers accept. ' +
    'The limits are those of real implementations: Node.js fails a message after 16384 bytes of extension names and values (kMaxChunkExtensionsSize, CVE-2024-22019); Go refuses a chunk-size line of 4096 bytes or more, and stops when chunk overhead exceeds 16 bytes per chunk plus twice the data by more than 16 KiB (CVE-2023-39326). No implementation limits the number of extensions as such. ' +
    'Nobody uses extensions for anything (RFC 9112 §7.1.1: recipients ignore unknown ones and ought to limit their length), so large ones are a cheap way to tie up a server, and parsers that stop at a bare CR, enforce the grammar or skip to the line end disagree on where the chunk data starts. ' +
    'A bare CR is an error (Envoy rejects it); the other cases are warnings.',
  example: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=a\rb\r\nhello\r\n0\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'accept',
      summary:
        'Accepts and ignores chunk extensions. A bare CR inside one is rejected when envoy.reloadable_features.http1_balsa_disallow_lone_cr_in_chunk_extension is on (its default where it exists): INVALID_CHUNK_EXTENSION → 400 http1.codec_error for a request, a reset mid-response (upstream_reset_after_response_started{protocol_error}, UPE) for an upstream response.',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc BalsaFrame::ProcessInput (READING_CHUNK_EXTENSION), BalsaFrame::IsValidChunkExtensionCharacter; envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::BalsaParser',
    },
  ],
  check({ message, bytes }) {
    const found = new Map<Kind, Occurrence[]>();
    const note = (kind: Kind, occurrence: Occurrence) => found.set(kind, [...(found.get(kind) ?? []), occurrence]);
    let nodeTotal = 0;
    let goExcess = 0;
    for (const chunk of message.chunks) {
      const line = chunk.sizeLine;
      // Go's accounting runs on every chunk-size line, extension or not (the line with its LF, plus the CRLF after the data).
      goExcess = Math.max(0, goExcess + (line.next - line.offset) + 2 - (16 + 2 * chunk.size));
      const { extension } = chunkSizeLineParts(bytes, line);
      if (!extension) continue;
      const text = latin1(bytes, extension.offset, extension.length);
      const shown = text.length > 60 ? `${escapeLatin1(text.slice(0, 60))}…` : escapeLatin1(text);
      const cr = text.indexOf('\r');
      if (cr >= 0) {
        note('bare-cr', {
          range: extension,
          message: `Chunk extension "${shown}" contains a bare CR (byte ${cr + 1}): Envoy rejects it (400, or a reset mid-response), and a parser that takes CR as a line end sees the chunk data start elsewhere.`,
        });
      }
      const control = [...text].findIndex((c) => (c.charCodeAt(0) < 0x20 && c !== '\t' && c !== '\r') || c.charCodeAt(0) === 0x7f);
      if (control >= 0) {
        note('control', {
          range: extension,
          message: `Chunk extension "${shown}" contains the control byte ${escapeByte(text.charCodeAt(control))} (byte ${control + 1}), which neither a token nor a quoted string may hold.`,
        });
      }
      const grammar = parseExtensions(text);
      if (grammar.error && cr < 0 && control < 0) {
        note('malformed', {
          range: extension,
          message: `Chunk extension "${shown}" is not ";name=value" syntax (RFC 9112 §7.1.1): ${grammar.error.why}. Strict parsers reject the line, lenient ones skip to its end.`,
        });
      }
      const lineBytes = line.next - line.offset;
      if (lineBytes >= GO_MAX_LINE_LENGTH) {
        note('long-line', {
          range: extension,
          message: `Chunk-size line is ${lineBytes} bytes long with its line end, ${extension.length} of them extensions (${grammar.extensions} ${grammar.extensions === 1 ? 'extension' : 'extensions'}): Go refuses chunk lines of ${GO_MAX_LINE_LENGTH} bytes or more.`,
        });
      }
      const before = nodeTotal;
      nodeTotal += grammar.error ? extension.length : grammar.nameValueBytes;
      if (before <= NODE_MAX_EXTENSION_BYTES && nodeTotal > NODE_MAX_EXTENSION_BYTES) {
        note('node-total', {
          range: extension,
          message: `Chunk extensions in this message pass ${NODE_MAX_EXTENSION_BYTES} bytes of names and values here (${nodeTotal} so far): Node.js fails the message at that point (kMaxChunkExtensionsSize).`,
        });
      }
      if (goExcess > GO_MAX_EXCESS && !found.has('go-overhead')) {
        note('go-overhead', {
          range: extension,
          message: `Chunk overhead here exceeds what Go allows (16 bytes per chunk plus twice the data, with ${GO_MAX_EXCESS} bytes of slack) by ${goExcess - GO_MAX_EXCESS} bytes: Go stops with "chunked encoding contains too much non-data".`,
        });
      }
    }
    const hits: RuleHit[] = [];
    for (const [kind, occurrences] of found) {
      const [first, ...rest] = occurrences;
      const related: RelatedBytes[] = rest.slice(0, 5).map((o) => ({ ...o.range, message: o.message }));
      hits.push({
        ...first.range,
        message: rest.length > 0 ? `${first.message} (${rest.length} more chunk ${rest.length === 1 ? 'line' : 'lines'} like this in the message.)` : first.message,
        ...(related.length ? { related } : {}),
        ...(kind === 'bare-cr' ? { severity: 'error' as const } : {}),
      });
    }
    return hits;
  },
};
