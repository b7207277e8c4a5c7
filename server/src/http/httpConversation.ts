/**
 * Parses both directions of a TCP connection as HTTP/1.x and pairs responses with requests
 * (RFC 9112 §9.3: responses come in request order; 1xx are interim and answer nothing alone).
 */
import type { StreamProtocol } from '../../../protocol/model';
import { fieldsNamed, type HttpMessage, type HttpRequest, type HttpResponse } from './httpMessage';
import type { TcpConnection } from '../tcp/tcpReassembler';
import { parseHttp2Conversation, type Http2Conversation } from '../http2/http2Conversation';
import { latin1, parseHttpMessage, type ParseOutcome } from './parseHttpMessage';

export interface HttpExchange {
  readonly request?: HttpRequest;
  readonly interim: readonly HttpResponse[];
  readonly response?: HttpResponse;
}

export interface HttpConversation {
  readonly protocol: StreamProtocol;
  readonly requests: readonly HttpRequest[];
  readonly responses: readonly HttpResponse[];
  readonly exchanges: readonly HttpExchange[];
  /** Where and why parsing stopped early in a direction (not HTTP, protocol switch, incomplete). */
  readonly stops: readonly { readonly direction: 'client-to-server' | 'server-to-client'; readonly offset: number; readonly reason: string }[];
  /** HTTP/2 with prior knowledge (protocol 'http2'), or after an `Upgrade: h2c` answered by 101. */
  readonly http2?: Http2Conversation;
}

type Stop = HttpConversation['stops'][number];

/**
 * Where the next message starts after bytes lost from the capture, searched in [from, end).
 * Messages need not start at a line start (a body need not end in a newline), so look for the
 * start-line shape itself: a response's `HTTP/1.x NNN `, or a request line with a registered
 * method (RFC 9110 §9, plus PATCH) and an HTTP/1.x version.
 */
const RESYNC: Record<'request' | 'response', RegExp> = {
  response: /HTTP\/1\.[01] \d{3}[ \r\n]/g,
  request: /(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) [^ \r\n]+ HTTP\/1\.[01]\r?\n/g,
};

/** How far past a gap to look for the next message before giving the direction up. */
const RESYNC_WINDOW = 1024 * 1024;

export function resyncPoint(bytes: Uint8Array, from: number, end: number, kind: 'request' | 'response'): number | undefined {
  const pattern = new RegExp(RESYNC[kind].source, 'g');
  const match = pattern.exec(latin1(bytes, from, Math.min(end, from + RESYNC_WINDOW) - from));
  return match ? from + match.index : undefined;
}

/**
 * Parses one direction as a sequence of messages. Gaps (bytes missing from the capture) split it
 * into regions: a message never spans a gap (it ends incomplete there), and after a gap parsing
 * resumes at the next line that starts like a message instead of reading garbage.
 * `onMessage` returns false to stop (a protocol switch).
 */
function walkDirection(
  bytes: Uint8Array,
  gaps: readonly number[],
  kind: 'request' | 'response',
  parseAt: (view: Uint8Array, at: number) => ParseOutcome,
  onMessage: (message: HttpMessage, next: number) => boolean,
  stops: Stop[],
): void {
  const direction = kind === 'request' ? 'client-to-server' : 'server-to-client';
  const ends = [...gaps.filter((g) => g > 0 && g < bytes.length), bytes.length];
  let regionStart = 0;
  for (const regionEnd of ends) {
    // The view ends at the gap, so the parser sees the end of data there; offsets stay absolute.
    const view = bytes.subarray(0, regionEnd);
    let at = regionStart === 0 ? 0 : resyncPoint(bytes, regionStart, regionEnd, kind);
    if (regionStart > 0) stops.push({ direction, offset: regionStart, reason: 'gap' });
    while (at !== undefined && at < regionEnd) {
      const outcome = parseAt(view, at);
      if ('stop' in outcome) {
        stops.push({ direction, offset: outcome.offset, reason: outcome.stop });
        break;
      }
      if (!onMessage(outcome.message, outcome.next)) return;
      at = outcome.next;
    }
    regionStart = regionEnd;
  }
}

function parseRequests(bytes: Uint8Array, gaps: readonly number[], stops: Stop[]): HttpRequest[] {
  const requests: HttpRequest[] = [];
  walkDirection(bytes, gaps, 'request', (view, at) => parseHttpMessage(view, at, 'request'), (message) => {
    requests.push(message as HttpRequest);
    return true;
  }, stops);
  return requests;
}

function parseResponses(bytes: Uint8Array, gaps: readonly number[], requests: readonly HttpRequest[], stops: Stop[]): HttpResponse[] {
  const responses: HttpResponse[] = [];
  let answered = 0;
  const methodOf = () => requests[answered]?.requestLine.method;
  walkDirection(bytes, gaps, 'response', (view, at) => parseHttpMessage(view, at, 'response', { requestMethod: methodOf() }), (message, next) => {
    const response = message as HttpResponse;
    const requestMethod = methodOf();
    responses.push(response);
    const status = response.statusLine.status;
    if (status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300)) {
      // The connection now carries another protocol (RFC 9110 §7.8, §9.3.6).
      if (next < bytes.length) stops.push({ direction: 'server-to-client', offset: next, reason: status === 101 ? 'switched-protocols' : 'tunnel' });
      return false;
    }
    if (status >= 200) answered++;
    return true;
  }, stops);
  return responses;
}

function pair(requests: readonly HttpRequest[], responses: readonly HttpResponse[]): HttpExchange[] {
  const exchanges: HttpExchange[] = [];
  let interim: HttpResponse[] = [];
  let next = 0;
  for (const response of responses) {
    const status = response.statusLine.status;
    if (status < 200 && status !== 101) {
      interim.push(response);
      continue;
    }
    exchanges.push({ request: requests[next], interim, response });
    interim = [];
    next++;
  }
  for (; next < requests.length; next++) {
    exchanges.push({ request: requests[next], interim, response: undefined });
    interim = [];
  }
  return exchanges;
}

/** The HTTP/2 connection preface (RFC 9113 §3.4): prior-knowledge h2c starts with it. */
const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/**
 * Streams that are not HTTP/1.x at all are named instead of parsed, so they produce no bogus
 * findings: TLS (a handshake record, RFC 8446 §5.1) and HTTP/2 with prior knowledge.
 */
export function recognizeNonHttp1(clientToServer: Uint8Array): StreamProtocol | undefined {
  if (clientToServer.length >= 3 && clientToServer[0] === 0x16 && clientToServer[1] === 0x03 && clientToServer[2] <= 0x04) return 'tls';
  const head = String.fromCharCode(...clientToServer.subarray(0, H2_PREFACE.length));
  if (head.length > 0 && H2_PREFACE.startsWith(head) && head.length >= 'PRI * HTTP/2.0'.length) return 'http2';
  return undefined;
}

/** Offsets in each direction's reassembled bytes where captured data is missing. */
export interface DirectionGaps {
  readonly clientToServer: readonly number[];
  readonly serverToClient: readonly number[];
}

const NO_GAPS: DirectionGaps = { clientToServer: [], serverToClient: [] };

export function parseHttpConversation(clientToServer: Uint8Array, serverToClient: Uint8Array, gaps: DirectionGaps = NO_GAPS): HttpConversation {
  const other = recognizeNonHttp1(clientToServer);
  if (other === 'http2') {
    const http2 = parseHttp2Conversation(clientToServer, serverToClient, { mode: 'prior-knowledge', clientPreface: 0, serverStart: 0 }, gaps);
    return { protocol: other, requests: [], responses: [], exchanges: [], stops: [], http2 };
  }
  if (other) return { protocol: other, requests: [], responses: [], exchanges: [], stops: [] };
  const stops: Stop[] = [];
  let requests = parseRequests(clientToServer, gaps.clientToServer, stops);
  const responses = parseResponses(serverToClient, gaps.serverToClient, requests, stops);
  const protocol: StreamProtocol =
    clientToServer.length + serverToClient.length === 0 ? 'empty' : requests.length + responses.length > 0 ? 'http' : 'tcp';
  const upgrade = h2cUpgrade(requests, responses, stops);
  if (!upgrade) return { protocol, requests, responses, exchanges: pair(requests, responses), stops };
  // After the upgrade request the client speaks HTTP/2 (its preface first): not HTTP/1.x requests.
  requests = requests.slice(0, upgrade.request + 1);
  const clientPreface = requests[upgrade.request].end;
  const kept = stops.filter((stop) => stop.direction === 'server-to-client' || stop.offset < clientPreface);
  const http2 = parseHttp2Conversation(clientToServer, serverToClient, { mode: 'upgrade', clientPreface, serverStart: upgrade.serverStart }, gaps);
  return { protocol, requests, responses, exchanges: pair(requests, responses), stops: kept, http2 };
}

/** An `Upgrade: h2c` request answered by 101 with `Upgrade: h2c`: which request, and where the server's frames start. */
function h2cUpgrade(requests: readonly HttpRequest[], responses: readonly HttpResponse[], stops: readonly Stop[]): { request: number; serverStart: number } | undefined {
  const switched = responses.findIndex((response) => response.statusLine.status === 101);
  if (switched < 0) return undefined;
  const says = (message: HttpMessage) => fieldsNamed(message, 'upgrade').some((field) => /(^|,)\s*h2c\s*($|,)/i.test(field.value));
  // Interim responses before the 101 answer the same request; each final response answers one.
  const request = responses.slice(0, switched).filter((response) => response.statusLine.status >= 200).length;
  if (!requests[request] || !says(requests[request]) || !says(responses[switched])) return undefined;
  const serverStart = stops.find((stop) => stop.direction === 'server-to-client' && stop.reason === 'switched-protocols')?.offset ?? responses[switched].end;
  return { request, serverStart };
}

/** Parses a reassembled connection, resynchronising after its gaps. */
export function parseHttpConnection(connection: TcpConnection): HttpConversation {
  return parseHttpConversation(connection.clientToServer.bytes, connection.serverToClient.bytes, {
    clientToServer: connection.clientToServer.gaps.map((gap) => gap.offset),
    serverToClient: connection.serverToClient.gaps.map((gap) => gap.offset),
  });
}

export function messagesOf(conversation: HttpConversation): HttpMessage[] {
  return [...conversation.requests, ...conversation.responses];
}
