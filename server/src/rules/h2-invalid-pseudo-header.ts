import type { Direction } from '../../../protocol/model';
import { allHeaderBlocks, fieldRange, fieldText, roleWords, SENDER, streamLabel, type BlockRole } from '../http2/describeHttp2';
import type { Http2HeaderBlock } from '../http2/http2Conversation';
import { CURL_RESETS_STREAM, NODE_RESETS_STREAM, RFC9113 } from './h2Verdicts';
import type { ConnectionRule, RuleHit } from './rule';

const REQUEST_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':protocol']);
const RESPONSE_PSEUDO = new Set([':status']);

/** What is wrong with a block's pseudo-header fields (RFC 9113 §8.3), each at its bytes. */
function problems(block: Http2HeaderBlock, role: BlockRole): { offset: number; length: number; problem: string }[] {
  const found: { offset: number; length: number; problem: string }[] = [];
  const allowed = role === 'request' || role === 'push-promise' ? REQUEST_PSEUDO : role === 'trailers' ? new Set<string>() : RESPONSE_PSEUDO;
  const seen = new Set<string>();
  let regularSeen = false;
  for (const field of block.fields) {
    if (!field.name.startsWith(':')) {
      regularSeen = true;
      continue;
    }
    const text = fieldText(field);
    if (role === 'trailers') found.push({ ...fieldRange(field), problem: `"${text}" is a pseudo-header in trailers, where none is allowed` });
    else if (!allowed.has(field.name)) {
      found.push({ ...fieldRange(field), problem: `"${text}" is ${REQUEST_PSEUDO.has(field.name) || RESPONSE_PSEUDO.has(field.name) ? `a ${REQUEST_PSEUDO.has(field.name) ? 'request' : 'response'} pseudo-header in ${roleWords(role)}` : 'not a defined pseudo-header'}` });
    } else if (seen.has(field.name)) found.push({ ...fieldRange(field), problem: `"${text}" repeats ${field.name}` });
    else if (regularSeen) found.push({ ...fieldRange(field), problem: `"${text}" comes after a regular field; pseudo-headers must come first` });
    else if (field.name === ':path' && field.value === '') found.push({ ...fieldRange(field), problem: '":path" is empty' });
    seen.add(field.name);
  }
  if (block.error || !block.complete) return found; // the block was not read whole: nothing is "missing"
  const head = { offset: block.frames[0].offset, length: 9 };
  const method = block.fields.find((f) => f.name === ':method')?.value;
  const missing = (names: string[]) => names.filter((name) => !seen.has(name));
  if (role === 'request' || role === 'push-promise') {
    const required = method === 'CONNECT' && !seen.has(':protocol') ? [':method', ':authority'] : [':method', ':scheme', ':path'];
    const absent = missing(required);
    if (absent.length) found.push({ ...head, problem: `the request headers have no ${absent.join(', ')}` });
  } else if (role === 'response' || role === 'informational') {
    if (!seen.has(':status')) found.push({ ...head, problem: 'the response headers have no :status' });
  }
  return found;
}

/**
 * Pseudo-header fields that break RFC 9113 §8.3: unknown ones, request pseudo-headers in a
 * response (or the reverse), any in trailers, repeated ones, ones after a regular field, and
 * missing mandatory ones (:method, :scheme, :path; :status). Each makes the message malformed.
 */
export const h2InvalidPseudoHeader: ConnectionRule = {
  scope: 'connection',
  id: 'h2-invalid-pseudo-header',
  title: 'Invalid, misplaced or missing HTTP/2 pseudo-header',
  severity: 'error',
  rfc: RFC9113('8.3'),
  description:
    'HTTP/2 carries the request line and status line as pseudo-header fields (":method", ":scheme", ":authority", ":path"; ":status"). RFC 9113 §8.3 allows only the defined ones, each once, ' +
    'before every regular field, never in trailers, request ones only in requests and ":status" only in responses; a request needs ":method", ":scheme" and ":path" (CONNECT: ":authority"), a response ":status". ' +
    'Anything else makes the message malformed, and the recipient resets the stream with PROTOCOL_ERROR.',
  verdicts: [
    NODE_RESETS_STREAM,
    CURL_RESETS_STREAM,
    {
      implementation: 'go',
      outcome: 'reject',
      summary: 'golang.org/x/net/http2 rejects the header block: stream error PROTOCOL_ERROR (pseudo-header after a regular field, duplicate or unknown pseudo-header).',
      source: 'cited',
      reference: 'golang/net http2/frame.go Framer.readMetaFrame and MetaHeadersFrame.checkPseudos',
    },
  ],
  check({ http }) {
    if (!http.http2) return [];
    const hits: (RuleHit & { direction: Direction })[] = [];
    for (const { stream, block, role } of allHeaderBlocks(http.http2)) {
      for (const problem of problems(block, role)) {
        hits.push({
          direction: block.direction,
          offset: problem.offset,
          length: problem.length,
          message: `In the ${roleWords(role)} of ${streamLabel(stream)}, ${problem.problem} (RFC 9113 §8.3): the message is malformed and a strict peer resets the stream (PROTOCOL_ERROR); sent by ${SENDER[block.direction]}.`,
        });
      }
    }
    return hits;
  },
};
