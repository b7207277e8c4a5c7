/**
 * The harness's own ends of each connection, on 127.0.0.1 only: an origin that answers with the
 * case's malformed response (or, for request cases, a well-behaved origin that records what the
 * proxy forwarded), and a raw client that sends exact bytes and reads whatever comes back. Both
 * are raw sockets: the point is to send and see bytes HTTP libraries would refuse or tidy up.
 */
import * as net from 'node:net';
import type { Direction } from '../../protocol/model';
import { findRuleViolations } from '../../server/src/analysis/findRuleViolations';
import { parseHttpConversation } from '../../server/src/http/httpConversation';
import type { HeaderField, HttpMessage, HttpResponse } from '../../server/src/http/httpMessage';
import { ALL_RULES } from '../../server/src/rules';
import { TcpFlag } from '../../server/src/tshark/tcpSegment';
import { connectionOf, type SegmentSpec } from '../unit/rules/ruleTestKit';
import type { VerdictCase } from './cases';

/** How long a client waits for an answer before recording "no response" (the origin's stall included). */
export const CLIENT_DEADLINE_MS = 4000;
/** Upstream and client timeouts the harness gives nginx and HAProxy, shorter than the deadline. */
export const PROXY_TIMEOUT_SECONDS = 2;
/** After a complete response, how long the raw client keeps reading (a second response, a close). */
const GRACE_MS = 300;

/** What the origin answers a forwarded request with in request cases. */
export const ORIGIN_OK_BODY = 'origin-ok';
const ORIGIN_OK = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${ORIGIN_OK_BODY.length}\r\nConnection: close\r\n\r\n${ORIGIN_OK_BODY}`;

export type ConnectionEnd = 'closed' | 'reset' | 'open';

export interface OriginConnection {
  /** Everything the proxy sent on this connection. */
  received: string;
  /** What the origin answered (request cases), as sent. */
  answered: string;
}

export interface Origin {
  readonly port: number;
  readonly connections: OriginConnection[];
  close(): Promise<void>;
}

/** True once `bytes` hold one whole request by lenient framing: head, then Content-Length bytes or chunks up to the last chunk. */
function requestComplete(bytes: string): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = bytes.slice(0, end);
  const body = bytes.slice(end + 4);
  if (/\r\ntransfer-encoding:[^\r\n]*chunked/i.test(head)) return /(^|\r\n)0(;[^\r\n]*)?\r\n(.*\r\n)*\r\n/.test(body);
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  return body.length >= (length ? Number(length[1]) : 0);
}

/**
 * The origin for a case. Response cases: after the head of whatever request arrives, it sends the
 * example response in one write and closes (or stalls). Request cases: it records the bytes and,
 * once a request is complete by lenient framing (or nothing came for 300 ms), answers 200
 * "origin-ok" with Connection: close.
 */
export function startOrigin(testCase: VerdictCase): Promise<Origin> {
  const connections: OriginConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const record: OriginConnection = { received: '', answered: '' };
    connections.push(record);
    let answered = false;
    let quiet: NodeJS.Timeout | undefined;
    const answer = () => {
      if (answered || socket.destroyed) return;
      answered = true;
      clearTimeout(quiet);
      if (testCase.side === 'response') {
        record.answered = testCase.response ?? '';
        socket.write(Buffer.from(record.answered, 'latin1'));
        if (testCase.originEnd === 'close') socket.end();
      } else {
        record.answered = ORIGIN_OK;
        socket.end(Buffer.from(ORIGIN_OK, 'latin1'));
      }
    };
    socket.on('data', (data) => {
      record.received += data.toString('latin1');
      if (answered) return;
      if (testCase.side === 'response' ? record.received.includes('\r\n\r\n') : requestComplete(record.received)) answer();
      else {
        clearTimeout(quiet);
        quiet = setTimeout(answer, 300);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        connections,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface RawExchange {
  /** Bytes the client got, latin1. */
  readonly received: string;
  /** How the connection ended: closed (FIN), reset, or still open when the client stopped reading. */
  readonly end: ConnectionEnd;
  /** True when the client stopped at the deadline without a complete response. */
  readonly timedOut: boolean;
}

/** Sends `request` (latin1) to 127.0.0.1:port and reads until a complete response and a short grace, a close, a reset or the deadline. */
export function rawExchange(port: number, request: string, deadlineMs = CLIENT_DEADLINE_MS): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const requestBytes = Buffer.from(request, 'latin1');
    let received = '';
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    let connected = false;
    const finish = (end: ConnectionEnd, timedOut = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(grace);
      socket.destroy();
      resolve({ received, end, timedOut });
    };
    const deadline = setTimeout(() => finish('open', !hasCompleteResponse(request, received)), deadlineMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(requestBytes);
    });
    socket.on('data', (data) => {
      received += data.toString('latin1');
      clearTimeout(grace);
      if (hasCompleteResponse(request, received)) grace = setTimeout(() => finish('open'), GRACE_MS);
    });
    socket.on('end', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected) {
        settled = true;
        clearTimeout(deadline);
        reject(new Error(`cannot connect to 127.0.0.1:${port}: ${error.message}`));
      } else finish(error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'closed');
    });
  });
}

function hasCompleteResponse(request: string, received: string): boolean {
  const http = parseHttpConversation(Buffer.from(request, 'latin1'), Buffer.from(received, 'latin1'));
  return http.responses.some((response) => response.complete && response.statusLine.status >= 200);
}

/** One message as read back: start line, fields as sent, body (de-chunked) and whether it was complete. */
export interface ReadMessage {
  readonly startLine: string;
  readonly status?: number;
  readonly reason?: string;
  readonly fields: readonly string[];
  readonly body: string;
  readonly complete: boolean;
  readonly framing: string;
}

/** A field as sent: from its name to the end of its last continuation line (obs-fold kept), terminator excluded. */
function fieldText(field: HeaderField, bytes: Buffer): string {
  const last = field.continuations[field.continuations.length - 1] ?? field.line;
  return bytes.subarray(field.line.offset, last.offset + last.length).toString('latin1');
}

/** The body of a parsed message: Content-Length or close-delimited bytes, or the chunk data. */
function bodyOf(message: HttpMessage, bytes: Buffer): string {
  if (message.framing === 'chunked') {
    return message.chunks
      .map((chunk) => bytes.subarray(chunk.dataOffset, Math.min(chunk.dataOffset + chunk.size, bytes.length)).toString('latin1'))
      .join('');
  }
  return bytes.subarray(message.bodyOffset, message.bodyOffset + message.bodyLength).toString('latin1');
}

function readMessage(message: HttpMessage, bytes: Buffer): ReadMessage {
  const startLine = bytes.subarray(message.startLine.offset, message.startLine.offset + message.startLine.length).toString('latin1');
  const response = message.kind === 'response' ? (message as HttpResponse) : undefined;
  return {
    startLine,
    status: response?.statusLine.status,
    reason: response?.statusLine.reason,
    fields: message.headers.map((field) => fieldText(field, bytes)),
    body: bodyOf(message, bytes),
    complete: message.complete,
    framing: message.framing,
  };
}

/** The responses in `received` (to `request`), in order. */
export function readResponses(request: string, received: string): ReadMessage[] {
  const bytes = Buffer.from(received, 'latin1');
  const http = parseHttpConversation(Buffer.from(request, 'latin1'), bytes);
  return http.responses.map((response) => readMessage(response, bytes));
}

/** The requests in `received`, in order. */
export function readRequests(received: string): ReadMessage[] {
  const bytes = Buffer.from(received, 'latin1');
  const http = parseHttpConversation(bytes, new Uint8Array());
  return http.requests.map((request) => readMessage(request, bytes));
}

/**
 * Ids of the catalogue rules that fire on `direction` of a connection where the client sent
 * `clientBytes`, the server `serverBytes`, and the side that stopped first closed or reset it.
 */
export function rulesOn(clientBytes: string, serverBytes: string, end: ConnectionEnd, direction: Direction): string[] {
  const script: SegmentSpec[] = [];
  if (clientBytes) script.push({ from: 'client', data: clientBytes });
  if (serverBytes) script.push({ from: 'server', data: serverBytes });
  if (end === 'closed') script.push({ from: direction === 'server-to-client' ? 'server' : 'client', flags: TcpFlag.FIN | TcpFlag.ACK });
  if (end === 'reset') script.push({ from: direction === 'server-to-client' ? 'server' : 'client', flags: TcpFlag.RST });
  const connection = connectionOf(script);
  const http = parseHttpConversation(connection.clientToServer.bytes, connection.serverToClient.bytes);
  const ids = findRuleViolations(connection, http, ALL_RULES)
    .filter((finding) => finding.direction === direction)
    .map((finding) => finding.ruleId);
  return [...new Set(ids)].sort();
}

/** Bytes for a summary: escaped like the docs (\r, \n, \xNN), cut at `max` characters. */
export function show(text: string, max = 40): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d) out += '\\r';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x09) out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += text[i];
    else out += `\\x${code.toString(16).padStart(2, '0')}`;
    if (out.length >= max && i < text.length - 1) return `${out.slice(0, max)}…`;
  }
  return out;
}
