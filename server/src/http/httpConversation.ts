/**
 * Parses both directions of a TCP connection as HTTP/1.x and pairs responses with requests
 * (RFC 9112 §9.3: responses come in request order; 1xx are interim and answer nothing alone).
 */
import type { StreamProtocol } from '../../../protocol/model';
import type { HttpMessage, HttpRequest, HttpResponse } from './httpMessage';
import { parseHttpMessage } from './parseHttpMessage';

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
}

function parseRequests(bytes: Uint8Array, stops: HttpConversation['stops'][number][]): HttpRequest[] {
  const requests: HttpRequest[] = [];
  let at = 0;
  while (at < bytes.length) {
    const outcome = parseHttpMessage(bytes, at, 'request');
    if ('stop' in outcome) {
      stops.push({ direction: 'client-to-server', offset: outcome.offset, reason: outcome.stop });
      break;
    }
    requests.push(outcome.message as HttpRequest);
    at = outcome.next;
  }
  return requests;
}

function parseResponses(bytes: Uint8Array, requests: readonly HttpRequest[], stops: HttpConversation['stops'][number][]): HttpResponse[] {
  const responses: HttpResponse[] = [];
  let answered = 0;
  let at = 0;
  while (at < bytes.length) {
    const requestMethod = requests[answered]?.requestLine.method;
    const outcome = parseHttpMessage(bytes, at, 'response', { requestMethod });
    if ('stop' in outcome) {
      stops.push({ direction: 'server-to-client', offset: outcome.offset, reason: outcome.stop });
      break;
    }
    const response = outcome.message as HttpResponse;
    responses.push(response);
    at = outcome.next;
    const status = response.statusLine.status;
    if (status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300)) {
      // The connection now carries another protocol (RFC 9110 §7.8, §9.3.6).
      if (at < bytes.length) stops.push({ direction: 'server-to-client', offset: at, reason: status === 101 ? 'switched-protocols' : 'tunnel' });
      break;
    }
    if (status >= 200) answered++;
  }
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

export function parseHttpConversation(clientToServer: Uint8Array, serverToClient: Uint8Array): HttpConversation {
  const other = recognizeNonHttp1(clientToServer);
  if (other) return { protocol: other, requests: [], responses: [], exchanges: [], stops: [] };
  const stops: HttpConversation['stops'][number][] = [];
  const requests = parseRequests(clientToServer, stops);
  const responses = parseResponses(serverToClient, requests, stops);
  const protocol: StreamProtocol =
    clientToServer.length + serverToClient.length === 0 ? 'empty' : requests.length + responses.length > 0 ? 'http' : 'tcp';
  return { protocol, requests, responses, exchanges: pair(requests, responses), stops };
}

export function messagesOf(conversation: HttpConversation): HttpMessage[] {
  return [...conversation.requests, ...conversation.responses];
}
