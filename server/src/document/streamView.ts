/**
 * The capture editor's stream view of one conversation, built here so the webview only draws:
 * payload runs in capture order (each side's bytes until the other side speaks), escaped the
 * way stream documents are (TextBuilder: \xNN, ␊, ␍), where each finding falls in that text,
 * the rule behind each finding, and every HTTP/1.x and HTTP/2 body decoded (decodeBody.ts).
 */
import type { Direction, DecodedBodyView, StreamView, StreamViewFinding, StreamViewMark, StreamViewRun } from '../../../protocol/model';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import { decodeBody, decodeHttp2Body, presentBody, type DecodedBody } from '../http/decodeBody';
import { fieldValue, type Http2Message, type Http2Stream } from '../http2/http2Conversation';
import { listedHttp2Streams } from '../http2/summarizeHttp2';
import type { HttpExchange } from '../http/httpConversation';
import type { HttpMessage } from '../http/httpMessage';
import { ruleById } from '../rules';
import { directionOf, type SegmentSpan } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { TextBuilder, type Position } from './textBuilder';

/** The view shows at most this many payload bytes (both sides together); the rest is exported, not drawn. */
export const MAX_VIEW_BYTES = 1024 * 1024;
/** Decoded bodies listed at most (a keep-alive connection can carry thousands). */
export const MAX_VIEW_BODIES = 200;

interface Run {
  readonly direction: Direction;
  readonly offset: number;
  length: number;
  readonly frame: number;
}

/** Segment runs of both sides in frame order, contiguous runs of one side merged. */
export function payloadRuns(analysis: StreamAnalysis): Run[] {
  const { connection } = analysis;
  const spans: { direction: Direction; span: SegmentSpan }[] = (['client-to-server', 'server-to-client'] as const).flatMap((direction) =>
    directionOf(connection, direction).spans.map((span) => ({ direction, span })),
  );
  spans.sort((a, b) => a.span.frame - b.span.frame);
  const runs: Run[] = [];
  for (const { direction, span } of spans) {
    const last = runs[runs.length - 1];
    if (last && last.direction === direction && last.offset + last.length === span.offset) last.length += span.length;
    else runs.push({ direction, offset: span.offset, length: span.length, frame: span.frame });
  }
  return runs;
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `request 2 · POST /orders` / `response 2 · 201 Created`, wire text escaped. */
export function messageLabel(message: HttpMessage, exchange: number): string {
  return message.kind === 'request'
    ? `request ${exchange + 1} · ${escapeLatin1(message.requestLine.method)} ${escapeLatin1(message.requestLine.target)}`
    : `response ${exchange + 1} · ${message.statusLine.status} ${escapeLatin1(message.statusLine.reason)}`.trimEnd();
}

/** Messages of an exchange that carry a body, request first. */
export function messagesWithBodies(exchange: HttpExchange): HttpMessage[] {
  return [exchange.request, exchange.response].filter((message): message is HttpMessage => message !== undefined && message.bodyLength > 0);
}

function bodyView(decoded: DecodedBody, direction: Direction, exchange: number, label: string, offset: number): DecodedBodyView {
  const shown = presentBody(decoded);
  return {
    direction,
    exchange,
    label,
    offset,
    wireLength: decoded.wireLength,
    decodedLength: decoded.bytes.length,
    ...(decoded.mediaType ? { mediaType: decoded.mediaType } : {}),
    codings: decoded.codings,
    kind: shown.kind,
    ...(shown.text !== undefined ? { text: shown.text } : {}),
    ...(shown.preview ? { preview: Buffer.from(shown.preview).toString('base64') } : {}),
    notes: shown.notes,
  };
}

async function http1BodyView(analysis: StreamAnalysis, message: HttpMessage, exchange: number): Promise<DecodedBodyView> {
  const direction: Direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
  const decoded = await decodeBody(directionOf(analysis.connection, direction).bytes, message);
  return bodyView(decoded, direction, exchange, messageLabel(message, exchange), message.bodyOffset);
}

/** `stream 3 request · POST /svc/Method` / `stream 3 response · 200`, from the pseudo-header fields (escaped). */
function http2Label(stream: Http2Stream, message: Http2Message): string {
  const value = (name: string) => escapeLatin1(fieldValue(message.headers, name) ?? '');
  const what = message === stream.request ? `request · ${value(':method')} ${value(':path')}` : `response · ${value(':status')}`;
  return `stream ${stream.id} ${what}`.trimEnd();
}

async function http2BodyView(analysis: StreamAnalysis, stream: Http2Stream, message: Http2Message, exchange: number): Promise<DecodedBodyView> {
  const decoded = await decodeHttp2Body(directionOf(analysis.connection, message.direction).bytes, message);
  return bodyView(decoded, message.direction, exchange, http2Label(stream, message), message.data[0]?.offset ?? 0);
}

function findingView(finding: StreamAnalysis['findings'][number]): StreamViewFinding {
  const rule = ruleById(finding.ruleId);
  return { finding, title: rule?.title ?? finding.ruleId, ...(rule ? { rfc: rule.rfc } : {}), verdicts: rule?.verdicts ?? [] };
}

export async function buildStreamView(capture: string, analysis: StreamAnalysis): Promise<StreamView> {
  const { connection, http, findings } = analysis;
  const builder = new TextBuilder({
    'client-to-server': connection.clientToServer.bytes.length,
    'server-to-client': connection.serverToClient.bytes.length,
  });
  const all = payloadRuns(analysis);
  const total = all.reduce((sum, run) => sum + run.length, 0);
  const written: { run: Run; start: Position; end: Position }[] = [];
  let budget = MAX_VIEW_BYTES;
  for (const run of all) {
    if (budget <= 0) break;
    const length = Math.min(run.length, budget);
    budget -= length;
    builder.endLine();
    builder.writeBytes(run.direction, directionOf(connection, run.direction).bytes, run.offset, run.offset + length);
    // Where the run ends is read now: the next run of this side starts at the same offset.
    written.push({ run: { ...run, length }, start: builder.locate(run.direction, run.offset), end: builder.locate(run.direction, run.offset + length) });
  }
  const lines = builder.text().split('\n');

  const marks: StreamViewMark[] = [];
  const runs: StreamViewRun[] = written.map(({ run, start, end }, index) => {
    // A run that ends with a line break ends on the line before `end`.
    const lastLine = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
    findings.forEach((finding, findingIndex) => {
      const from = Math.max(finding.offset, run.offset);
      const to = Math.min(finding.offset + finding.length, run.offset + run.length);
      const inside = finding.direction === run.direction && (from < to || (finding.length === 0 && from === to && to > run.offset));
      if (!inside) return;
      const a = builder.locate(run.direction, from);
      const b = to === run.offset + run.length ? end : builder.locate(run.direction, to);
      marks.push({ finding: findingIndex, run: index, startLine: a.line - start.line, startCharacter: a.character, endLine: b.line - start.line, endCharacter: b.character });
    });
    const bytes = directionOf(connection, run.direction).bytes.subarray(run.offset, run.offset + run.length);
    return { ...run, data: Buffer.from(bytes).toString('base64'), lines: lines.slice(start.line, lastLine + 1) };
  });

  const bodies: DecodedBodyView[] = [];
  let bodyCount = 0;
  for (const [index, exchange] of http.exchanges.entries()) {
    for (const message of messagesWithBodies(exchange)) {
      if (bodyCount++ < MAX_VIEW_BODIES) bodies.push(await http1BodyView(analysis, message, index));
    }
  }
  // Numbered as the table's exchange rows: HTTP/2 streams after the HTTP/1.x exchanges.
  for (const [index, stream] of listedHttp2Streams(http).entries()) {
    for (const message of [stream.request, stream.response]) {
      if (message.dataLength > 0 && bodyCount++ < MAX_VIEW_BODIES) bodies.push(await http2BodyView(analysis, stream, message, http.exchanges.length + index));
    }
  }
  const cuts = [
    total > MAX_VIEW_BYTES ? `showing the first ${mebibytes(MAX_VIEW_BYTES)} of ${mebibytes(total)} of payload` : '',
    bodyCount > MAX_VIEW_BODIES ? `decoding the first ${MAX_VIEW_BODIES} of ${bodyCount} bodies` : '',
  ].filter(Boolean);
  return {
    capture,
    stream: connection.stream,
    client: connection.client,
    server: connection.server,
    protocol: http.protocol,
    clientBytes: connection.clientToServer.bytes.length,
    serverBytes: connection.serverToClient.bytes.length,
    runs,
    marks,
    findings: findings.map(findingView),
    bodies,
    ...(cuts.length ? { cut: cuts.join('; ') } : {}),
  };
}
