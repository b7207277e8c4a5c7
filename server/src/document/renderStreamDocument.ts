/**
 * The text of a followed stream (`wirelens-stream:` documents). HTTP mode lays out each
 * exchange, request then response, with a heading that says who sent the bytes; TCP mode
 * lays out the payload in capture order, segment run by segment run, like Wireshark's
 * Follow TCP Stream. Both keep a byte → position map for diagnostics and hover.
 */
import * as path from 'node:path';
import type { Direction, FollowMode } from '../../../protocol/model';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import type { HttpMessage } from '../http/httpMessage';
import { directionOf, type TcpConnection } from '../tcp/tcpReassembler';
import { renderHttp2 } from './renderHttp2';
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

function writeMessage(builder: TextBuilder, connection: TcpConnection, message: HttpMessage, label: string): void {
  const direction: Direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
  const bytes = directionOf(connection, direction).bytes;
  const marker = message.kind === 'request' ? '▶' : '◀';
  builder.writeLine(`${marker} ${label} · ${ARROW[direction]} · bytes ${message.offset}–${message.end}${message.complete ? '' : ' · incomplete'}`);
  const bodyEnd = Math.min(message.end, message.bodyOffset + MAX_BODY_BYTES);
  builder.writeBytes(direction, bytes, message.offset, bodyEnd);
  builder.endLine();
  if (bodyEnd < message.end) builder.writeLine(`… ${message.end - bodyEnd} more body bytes not shown`);
  builder.writeLine('');
}

function renderHttp(builder: TextBuilder, analysis: StreamAnalysis): void {
  const { connection, http } = analysis;
  http.exchanges.forEach((exchange, index) => {
    if (exchange.request) writeMessage(builder, connection, exchange.request, `request ${index + 1}`);
    for (const interim of exchange.interim) writeMessage(builder, connection, interim, `interim response ${index + 1}`);
    if (exchange.response) writeMessage(builder, connection, exchange.response, `response ${index + 1}`);
    else builder.writeLine(`(no response to request ${index + 1} in the capture)`);
  });
  for (const stop of http.stops) {
    if (http.http2 && stop.reason === 'switched-protocols') continue; // shown as HTTP/2 below
    const bytes = directionOf(connection, stop.direction).bytes;
    if (stop.offset >= bytes.length) continue;
    builder.writeLine(`${stop.direction === 'client-to-server' ? '▶' : '◀'} ${ARROW[stop.direction]} · bytes ${stop.offset}–${bytes.length} · not parsed as HTTP/1.x (${stop.reason})`);
    builder.writeBytes(stop.direction, bytes, stop.offset, Math.min(bytes.length, stop.offset + MAX_BODY_BYTES));
  }
}

function renderTcp(builder: TextBuilder, connection: TcpConnection): void {
  const runs = (['client-to-server', 'server-to-client'] as const).flatMap((direction) =>
    directionOf(connection, direction).spans.map((span) => ({ direction, span })),
  );
  runs.sort((a, b) => a.span.frame - b.span.frame);
  let written = 0;
  let previous: Direction | undefined;
  for (const { direction, span } of runs) {
    if (written >= MAX_TCP_BYTES) {
      builder.writeLine(`… output stops after ${MAX_TCP_BYTES} bytes`);
      break;
    }
    if (direction !== previous) {
      if (previous) builder.writeLine('');
      builder.writeLine(`${direction === 'client-to-server' ? '▶' : '◀'} ${ARROW[direction]} · frame ${span.frame} · bytes ${span.offset}–${span.offset + span.length}`);
      previous = direction;
    }
    builder.writeBytes(direction, directionOf(connection, direction).bytes, span.offset, span.offset + span.length);
    written += span.length;
  }
}

export function renderStreamDocument(capture: string, mode: FollowMode, analysis: StreamAnalysis): RenderedStream {
  const { connection } = analysis;
  const builder = new TextBuilder({
    'client-to-server': connection.clientToServer.bytes.length,
    'server-to-client': connection.serverToClient.bytes.length,
  });
  for (const line of heading(capture, mode, analysis)) builder.writeLine(line);
  builder.writeLine('');
  if (mode === 'http' && (analysis.http.protocol === 'http' || analysis.http.http2)) {
    renderHttp(builder, analysis);
    if (analysis.http.http2) renderHttp2(builder, analysis.http.http2, (direction) => directionOf(connection, direction).bytes);
  } else {
    if (mode === 'http') builder.writeLine(NOT_HTTP1_NOTE[analysis.http.protocol] ?? '(this stream is not HTTP/1.x: showing its TCP payload)');
    renderTcp(builder, connection);
  }
  return { text: builder.text(), locate: (direction, offset) => builder.locate(direction, offset) };
}
