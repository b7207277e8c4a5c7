import type { Direction } from '../../../protocol/model';
import { fieldsNamed, ParseIssueCode, type HttpMessage } from '../http/httpMessage';
import { directionOf, type TcpConnection } from '../tcp/tcpReassembler';
import { fieldRange, type ConnectionRule, type RuleHit } from './rule';
import { cutShort, directionEnd, directionOfMessage, type DirectionEnd } from './directionEnd';

type Hit = RuleHit & { readonly direction: Direction };

/** Where in the message the bytes stop, as a phrase. */
function whereItStops(message: HttpMessage, bytes: Uint8Array): string {
  if (message.issues.some((issue) => issue.code === ParseIssueCode.IncompleteHeaderSection)) {
    return `inside the header section (${bytes.length - message.offset} bytes, no empty line yet)`;
  }
  if (message.framing === 'content-length') {
    return message.bodyLength === 0
      ? `after its header section, before any of its ${message.contentLength}-byte body (Content-Length)`
      : `${message.bodyLength} bytes into a body of ${message.contentLength} bytes (Content-Length)`;
  }
  if (message.bodyLength === 0) return 'after its header section, before its chunked body began';
  const chunks = message.chunks.length;
  return `inside its chunked body (${message.bodyLength} bytes, ${chunks} ${chunks === 1 ? 'chunk-size line' : 'chunk-size lines'}, no last chunk yet)`;
}

/** Why the bytes stop, and how sure that is (the severity follows); undefined for a reset, which tcp-rst-mid-message reports. */
function why(end: DirectionEnd, sender: string): { text: string; severity: 'info' | 'warning' } | undefined {
  switch (end.kind) {
    case 'gap':
      return { text: `the capture missed ${end.gap.missing} bytes of this direction (at offset ${end.gap.offset}), so the message cannot be followed to its end`, severity: 'info' };
    case 'capture-ended':
      return { text: `no FIN from the ${sender} and no RST was captured, so most likely the capture stopped before the message did`, severity: 'info' };
    case 'sender-closed':
      return { text: `the ${sender} closed the connection (FIN in frame ${end.frame}) in the middle of it`, severity: 'warning' };
    case 'reset':
      return undefined;
  }
}

function messageHit(connection: TcpConnection, message: HttpMessage): Hit | undefined {
  if (!cutShort(message)) return undefined;
  const direction = directionOfMessage(message);
  const bytes = directionOf(connection, direction).bytes;
  const inHeaders = message.issues.some((issue) => issue.code === ParseIssueCode.IncompleteHeaderSection);
  const end = directionEnd(connection, direction, message.offset);
  // A body its own sender cut short is content-length-mismatch's or missing-last-chunk's finding.
  if (end.kind === 'sender-closed' && !inHeaders && (message.framing === 'content-length' || message.framing === 'chunked')) return undefined;
  const cause = why(end, message.kind === 'request' ? 'client' : 'server');
  if (!cause) return undefined;
  const { text, severity } = cause;
  const from = inHeaders ? message.offset : message.bodyOffset;
  const framingField = fieldsNamed(message, message.framing === 'chunked' ? 'transfer-encoding' : 'content-length').pop();
  const range = bytes.length > from || !framingField ? { offset: from, length: bytes.length - from } : fieldRange(framingField);
  if (range.length === 0) return undefined;
  return {
    direction,
    ...range,
    severity,
    message: `The ${message.kind} stops ${whereItStops(message, bytes)}: ${text} (RFC 9112 §8: an incomplete message must not be taken as complete).`,
  };
}

/**
 * The capture or the connection ended in the middle of a message (RFC 9112 §8). Info when the
 * capture simply stopped (no FIN or RST seen, or bytes missing from the capture); warning when
 * the sender closed (FIN) inside a start line or header section. Resets are left to tcp-rst-mid-message.
 */
export const incompleteMessage: ConnectionRule = {
  scope: 'connection',
  id: 'incomplete-message',
  title: 'Message cut short by the end of the capture or connection',
  severity: 'warning',
  rfc: { document: 'RFC 9112', section: '8', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-8' },
  description:
    'A message stops before its end: the start line or header section never finished, or the body is shorter than its framing says. ' +
    'When no FIN or RST was captured for that side, or the capture missed bytes, it is most likely the capture that stopped (a snapshot length, a ring buffer, a capture cut short), and the finding is informational. ' +
    'When the sender closed its side (FIN) inside the start line or header section, the message really was cut short, and RFC 9112 §8 says it must not be treated as complete: a warning. ' +
    'A body cut short by its own sender\'s FIN is reported as content-length-mismatch or missing-last-chunk, and anything a reset cuts short as tcp-rst-mid-message.',
  example: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of the body' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'A connection closed in the middle of an upstream response is a protocol error (HPE_INVALID_EOF_STATE): 502 UPE if nothing was forwarded yet, otherwise the client gets a truncated response, logged upstream_reset_after_response_started{protocol_error}. A request that never completes waits for the idle or request timeout.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::execute (HPE_INVALID_EOF_STATE); source/common/http/codec_client.cc CodecClient::onEvent; source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ connection, http }) {
    const hits: Hit[] = [];
    for (const message of [...http.requests, ...http.responses]) {
      const hit = messageHit(connection, message);
      if (hit) hits.push(hit);
    }
    // A start line that never got its line end (the parser stopped before it had a message).
    for (const stop of http.stops) {
      if (stop.reason !== 'incomplete') continue;
      const bytes = directionOf(connection, stop.direction).bytes;
      const cause = why(directionEnd(connection, stop.direction, stop.offset), stop.direction === 'client-to-server' ? 'client' : 'server');
      if (!cause) continue;
      const { text, severity } = cause;
      hits.push({
        direction: stop.direction,
        offset: stop.offset,
        length: bytes.length - stop.offset,
        severity,
        message: `The ${stop.direction === 'client-to-server' ? 'request' : 'response'} stops inside its start line: ${text} (RFC 9112 §8: an incomplete message must not be taken as complete).`,
      });
    }
    return hits;
  },
};
