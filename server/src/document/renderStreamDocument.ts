/**
 * The text of a followed stream (`wirelens-stream:` documents). HTTP mode lays out each
 * exchange, request then response, with a heading that says who sent the bytes; TCP mode
 * lays out the payload in capture order, segment run by segment run, like Wireshark's
 * Follow TCP Stream. Both keep a byte → position map for diagnostics and hover.
 */
import * as path from 'node:path';
import type { Direction, FollowMode } from '../../../protocol/model';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import type { HttpMessage, HttpResponse } from '../http/httpMessage';
import { directionOf, type TcpConnection } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import type { Http2Stream } from '../http2/http2Conversation';
import { listedHttp2Streams } from '../http2/summarizeHttp2';
import { renderHttp2 } from './renderHttp2';
import { outlineName, type OutlineNode } from './streamOutline';
import { TextBuilder, type Position } from './textBuilder';
import { tlsHeading } from './tlsHeading';

/** Bodies longer than this are cut in the document (the bytes stay in the analysis). */
const MAX_BODY_BYTES = 64 * 1024;
/** A TCP-mode document stops after this many payload bytes. */
const MAX_TCP_BYTES = 1024 * 1024;

const NOT_HTTP1_NOTE: Partial<Record<StreamAnalysis['http']['protocol'], string>> = {
  tls: '(this stream is TLS: its HTTP is encrypted; showing the TCP payload)',
  empty: '(this stream carried no payload)',
};

export interface RenderedStream {
  readonly text: string;
  /** Exchanges (HTTP) or payload runs (TCP), for document symbols and Copy as curl. */
  readonly outline: readonly OutlineNode[];
  locate(direction: Direction, offset: number): Position;
}

const ARROW: Record<Direction, string> = { 'client-to-server': 'client → server', 'server-to-client': 'server → client' };

function endpoint(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function heading(capture: string, mode: FollowMode, analysis: StreamAnalysis): string[] {
  const { connection, http, findings } = analysis;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    `Wirelens · Follow ${mode.toUpperCase()} stream ${connection.stream} · ${path.basename(capture)}`,
    `client ${endpoint(connection.client)} → server ${endpoint(connection.server)} · ${count(connection.packets, 'packet')} · ` +
      `${count(http.exchanges.length + (http.http2?.streams.length ?? 0), 'exchange')} · ${count(findings.length, 'finding')}`,
    connection.clientKnown ? '' : '(no SYN captured: which side is the client was inferred)',
    ...tlsHeading(analysis.tls),
  ].filter((line) => line.length > 0);
}

/** The lines of a message's header fields (or trailer fields), from the first line of the first to the last line of the last. */
function fieldLines(builder: TextBuilder, direction: Direction, fields: HttpMessage['headers']): { startLine: number; endLine: number } | undefined {
  const last = fields.at(-1);
  if (!last) return undefined;
  const lastLine = last.continuations.at(-1) ?? last.line;
  return { startLine: builder.locate(direction, fields[0].line.offset).line, endLine: builder.locate(direction, lastLine.offset).line };
}

function statusText(message: HttpResponse): string {
  return escapeLatin1(`${message.statusLine.status} ${message.statusLine.reason}`.trim());
}

function writeMessage(builder: TextBuilder, connection: TcpConnection, message: HttpMessage, label: string): OutlineNode {
  const direction: Direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
  const bytes = directionOf(connection, direction).bytes;
  const marker = message.kind === 'request' ? '▶' : '◀';
  builder.endLine();
  const headingLine = builder.lineCount;
  builder.writeLine(`${marker} ${label} · ${ARROW[direction]} · bytes ${message.offset}–${message.end}${message.complete ? '' : ' · incomplete'}`);
  const bodyEnd = Math.min(message.end, message.bodyOffset + MAX_BODY_BYTES);
  builder.writeBytes(direction, bytes, message.offset, bodyEnd);
  builder.endLine();
  if (bodyEnd < message.end) builder.writeLine(`… ${message.end - bodyEnd} more body bytes not shown`);
  const endLine = builder.lineCount - 1;
  builder.writeLine('');

  const children: OutlineNode[] = [];
  const headers = fieldLines(builder, direction, message.headers);
  if (headers) children.push({ kind: 'headers', name: 'headers', detail: `${message.headers.length} field${message.headers.length === 1 ? '' : 's'}`, ...headers, children: [] });
  if (message.bodyLength > 0) {
    const startLine = builder.locate(direction, message.bodyOffset).line;
    children.push({ kind: 'body', name: 'body', detail: `${message.bodyLength} bytes${message.framing === 'chunked' ? ', chunked' : ''}`, startLine, endLine: Math.max(startLine, endLine), children: [] });
  }
  const trailers = fieldLines(builder, direction, message.trailers);
  if (trailers) children.push({ kind: 'trailers', name: 'trailers', detail: `${message.trailers.length} field${message.trailers.length === 1 ? '' : 's'}`, ...trailers, children: [] });
  const detail = message.kind === 'request' ? `bytes ${message.offset}–${message.end}` : statusText(message);
  return { kind: message.kind, name: label, detail, startLine: headingLine, endLine, children };
}

function renderHttp(builder: TextBuilder, analysis: StreamAnalysis): OutlineNode[] {
  const { connection, http } = analysis;
  const outline: OutlineNode[] = [];
  http.exchanges.forEach((exchange, index) => {
    builder.endLine();
    const startLine = builder.lineCount;
    const children: OutlineNode[] = [];
    if (exchange.request) children.push(writeMessage(builder, connection, exchange.request, `request ${index + 1}`));
    for (const interim of exchange.interim) children.push(writeMessage(builder, connection, interim, `interim response ${index + 1}`));
    if (exchange.response) children.push(writeMessage(builder, connection, exchange.response, `response ${index + 1}`));
    else builder.writeLine(`(no response to request ${index + 1} in the capture)`);
    const endLine = exchange.response ? children[children.length - 1].endLine : builder.lineCount - 1;
    const request = exchange.request?.requestLine;
    outline.push({
      kind: 'exchange',
      name: outlineName(request ? escapeLatin1(`${request.method} ${request.target}`) : `response ${index + 1} (no request)`),
      detail: exchange.response ? statusText(exchange.response) : 'no response',
      startLine,
      endLine,
      children,
      exchange: index,
    });
  });
  for (const stop of http.stops) {
    if (http.http2 && stop.reason === 'switched-protocols') continue; // shown as HTTP/2 below
    const bytes = directionOf(connection, stop.direction).bytes;
    if (stop.offset >= bytes.length) continue;
    builder.endLine();
    const startLine = builder.lineCount;
    builder.writeLine(`${stop.direction === 'client-to-server' ? '▶' : '◀'} ${ARROW[stop.direction]} · bytes ${stop.offset}–${bytes.length} · not parsed as HTTP/1.x (${stop.reason})`);
    builder.writeBytes(stop.direction, bytes, stop.offset, Math.min(bytes.length, stop.offset + MAX_BODY_BYTES));
    builder.endLine();
    outline.push({ kind: 'payload', name: ARROW[stop.direction], detail: `not HTTP/1.x from byte ${stop.offset}`, startLine, endLine: builder.lineCount - 1, children: [] });
  }
  return outline;
}

function renderTcp(builder: TextBuilder, connection: TcpConnection): OutlineNode[] {
  const runs = (['client-to-server', 'server-to-client'] as const).flatMap((direction) =>
    directionOf(connection, direction).spans.map((span) => ({ direction, span })),
  );
  runs.sort((a, b) => a.span.frame - b.span.frame);
  const outline: OutlineNode[] = [];
  let written = 0;
  let previous: Direction | undefined;
  const closeRun = () => {
    const run = outline.pop();
    if (run) outline.push({ ...run, endLine: Math.max(run.startLine, builder.lineCount - 1) });
  };
  for (const { direction, span } of runs) {
    if (written >= MAX_TCP_BYTES) {
      builder.writeLine(`… output stops after ${MAX_TCP_BYTES} bytes`);
      break;
    }
    if (direction !== previous) {
      builder.endLine();
      closeRun();
      if (previous) builder.writeLine('');
      outline.push({ kind: 'payload', name: ARROW[direction], detail: `frame ${span.frame}`, startLine: builder.lineCount, endLine: builder.lineCount, children: [] });
      builder.writeLine(`${direction === 'client-to-server' ? '▶' : '◀'} ${ARROW[direction]} · frame ${span.frame} · bytes ${span.offset}–${span.offset + span.length}`);
      previous = direction;
    }
    builder.writeBytes(direction, directionOf(connection, direction).bytes, span.offset, span.offset + span.length);
    written += span.length;
  }
  builder.endLine();
  closeRun();
  return outline;
}

export function renderStreamDocument(capture: string, mode: FollowMode, analysis: StreamAnalysis): RenderedStream {
  const { connection } = analysis;
  const builder = new TextBuilder({
    'client-to-server': connection.clientToServer.bytes.length,
    'server-to-client': connection.serverToClient.bytes.length,
  });
  for (const line of heading(capture, mode, analysis)) builder.writeLine(line);
  builder.writeLine('');
  const outline: OutlineNode[] = [];
  if (mode === 'http' && (analysis.http.protocol === 'http' || analysis.http.http2)) {
    outline.push(...renderHttp(builder, analysis));
    if (analysis.http.http2) {
      // Numbered as the table's exchange rows: the listed HTTP/2 streams after the HTTP/1.x exchanges.
      const numbers = new Map(listedHttp2Streams(analysis.http).map((stream, i) => [stream, analysis.http.exchanges.length + i]));
      const exchangeIndex = (stream: Http2Stream) => numbers.get(stream);
      outline.push(...renderHttp2(builder, analysis.http.http2, (direction) => directionOf(connection, direction).bytes, exchangeIndex));
    }
  } else {
    if (mode === 'http') builder.writeLine(NOT_HTTP1_NOTE[analysis.http.protocol] ?? '(this stream is not HTTP/1.x: showing its TCP payload)');
    outline.push(...renderTcp(builder, connection));
  }
  return { text: builder.text(), outline, locate: (direction, offset) => builder.locate(direction, offset) };
}
