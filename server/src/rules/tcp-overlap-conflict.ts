import type { Direction } from '../../../protocol/model';
import type { HttpMessage } from '../http/httpMessage';
import { latin1 } from '../http/parseHttpMessage';
import { directionOf, frameAt, type OverlapConflict } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { count, senderOf } from './connectionFacts';
import type { ConnectionRule, RuleHit } from './rule';

/** Findings per direction before the rest are only counted. */
const MAX_PER_DIRECTION = 20;
/** Bytes of each copy quoted in a message. */
const QUOTE = 40;

/**
 * Retransmitted bytes that differ from the first copy of the same sequence range. The reassembler
 * keeps the first copy (what most stacks deliver for in-order data) and records the other; the
 * finding covers exactly the bytes that differ (first to last differing byte of the overlap) in
 * the kept stream, and quotes both copies. An exact retransmission, or the same frame captured
 * twice, is not a conflict.
 */
export const tcpOverlapConflict: ConnectionRule = {
  scope: 'connection',
  id: 'tcp-overlap-conflict',
  title: 'Retransmitted TCP bytes differ from the first copy',
  severity: 'warning',
  rfc: { document: 'RFC 9293', section: '3.10.7.4', url: 'https://www.rfc-editor.org/rfc/rfc9293#section-3.10.7.4' },
  description:
    'A segment re-sent bytes for a sequence range already seen, with different content. TCP assumes a retransmission repeats the original; RFC 9293 §3.10.7.4 has a receiver process only the new part of a segment that straddles old and new data, ' +
    'but which copy wins when out-of-order segments overlap differs between operating systems, which is why IDSs such as Snort and Suricata model several reassembly policies. ' +
    'Different copies are a sign of evasion (an attacker shows a monitor one message and the server another) or of corruption by a broken middlebox or NIC offload; ' +
    'a proxy, the server and this capture may each have read a different message.',
  verdicts: [],
  check({ connection, http }) {
    const hits: (RuleHit & { direction: Direction })[] = [];
    for (const direction of ['client-to-server', 'server-to-client'] as const) {
      const reassembled = directionOf(connection, direction);
      const conflicts = reassembled.conflicts;
      const messages: readonly HttpMessage[] = direction === 'client-to-server' ? http.requests : http.responses;
      conflicts.slice(0, MAX_PER_DIRECTION).forEach((conflict, index) => {
        const diff = differingRange(reassembled.bytes, conflict);
        if (!diff) return;
        const rest = index === MAX_PER_DIRECTION - 1 && conflicts.length > MAX_PER_DIRECTION ? ` ${count(conflicts.length - MAX_PER_DIRECTION, 'more conflict')} in this direction not listed.` : '';
        hits.push({ direction, ...diff, message: describe(direction, reassembled.bytes, conflict, diff, frameAt(reassembled, diff.offset), messages) + rest });
      });
    }
    return hits;
  },
};

/** First to last differing byte between the kept bytes and the retransmitted copy. */
function differingRange(bytes: Uint8Array, conflict: OverlapConflict): { offset: number; length: number } | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < conflict.data.length && conflict.offset + i < bytes.length; i++) {
    if (bytes[conflict.offset + i] === conflict.data[i]) continue;
    if (first < 0) first = i;
    last = i;
  }
  return first < 0 ? undefined : { offset: conflict.offset + first, length: last - first + 1 };
}

function quote(data: Uint8Array, offset: number, length: number): string {
  const shown = Math.min(length, QUOTE);
  return `"${escapeLatin1(latin1(data, offset, shown))}"${length > shown ? '…' : ''}`;
}

function describe(
  direction: Direction,
  bytes: Uint8Array,
  conflict: OverlapConflict,
  diff: { offset: number; length: number },
  keptFrame: number,
  messages: readonly HttpMessage[],
): string {
  const within = messages.find((m) => m.offset <= diff.offset && diff.offset < m.end);
  const where = within
    ? ` inside ${within.kind} "${escapeLatin1(latin1(bytes, within.startLine.offset, within.startLine.length))}" (${diff.offset < within.headerSectionEnd ? 'start line or header section' : 'body'})`
    : '';
  const at = diff.offset - conflict.offset;
  return (
    `Frame ${conflict.frame} re-sent bytes ${diff.offset}–${diff.offset + diff.length} of the ${senderOf(direction)}'s stream${where} with different content: ` +
    `the first copy (frame ${keptFrame}, shown here) reads ${quote(bytes, diff.offset, diff.length)}, the retransmission ${quote(conflict.data, at, diff.length)}. ` +
    `A receiver, a proxy and an IDS may each have kept a different copy: a sign of evasion or corruption.`
  );
}
