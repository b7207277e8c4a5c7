/**
 * HTTP/2 in a followed stream document: each stream as an exchange (request headers, DATA,
 * trailers; response likewise), decoded fields one per line, each line standing for the HPACK
 * bytes it came from, so diagnostics land on the field; RST_STREAM and GOAWAY frames as lines
 * of their own; the gRPC status when the trailers carry one.
 */
import type { Direction } from '../../../protocol/model';
import { SENDER, streamLabel } from '../http2/describeHttp2';
import { fieldValue, fragmentRange, type Http2Conversation, type Http2HeaderBlock, type Http2Message, type Http2Stream } from '../http2/http2Conversation';
import { errorCodeName, frameEnd } from '../http2/http2Frames';
import { grpcStatusOf, GRPC_STATUS } from '../http2/summarizeHttp2';
import { escapeLatin1 } from '../text/escapeBytes';
import { outlineName, type OutlineNode } from './streamOutline';
import type { TextBuilder } from './textBuilder';

const ARROW: Record<Direction, string> = { 'client-to-server': 'client → server', 'server-to-client': 'server → client' };
const MARK: Record<Direction, string> = { 'client-to-server': '▶', 'server-to-client': '◀' };
/** DATA shown per message before it is cut (the bytes stay in the analysis). */
const MAX_DATA_BYTES = 16 * 1024;

function writeBlock(builder: TextBuilder, stream: Http2Stream, block: Http2HeaderBlock, title: string): OutlineNode {
  const frames = block.frames.length > 1 ? ` (${block.frames.length} frames)` : '';
  builder.endLine();
  const startLine = builder.lineCount;
  builder.writeLine(`${MARK[block.direction]} ${streamLabel(stream)} · ${title} · ${ARROW[block.direction]} · bytes ${block.offset}–${block.end}${frames}${block.endStream ? ' · END_STREAM' : ''}`);
  for (const field of block.fields) builder.writeMapped(block.direction, field.offset, field.offset + field.length, escapeLatin1(`${field.name}: ${field.value}`));
  if (block.error) builder.writeLine(`(header block not decoded: ${block.error})`);
  const kind = title.includes('trailers') ? 'trailers' : 'headers';
  return { kind, name: title, detail: `${block.fields.length} field${block.fields.length === 1 ? '' : 's'}`, startLine, endLine: builder.lineCount - 1, children: [] };
}

function writeData(builder: TextBuilder, bytes: Uint8Array, message: Http2Message): OutlineNode[] {
  if (message.data.length === 0) return [];
  builder.endLine();
  const startLine = builder.lineCount;
  builder.writeLine(`${MARK[message.direction]} DATA · ${message.dataLength} bytes in ${message.data.length} frame${message.data.length === 1 ? '' : 's'}${message.endStreamFrame && message.data.includes(message.endStreamFrame) ? ' · END_STREAM' : ''}`);
  let shown = 0;
  for (const frame of message.data) {
    if (shown >= MAX_DATA_BYTES) {
      builder.writeLine(`… ${message.dataLength - shown} more DATA bytes not shown`);
      break;
    }
    const [start, whole] = fragmentRange(bytes, frame);
    const end = Math.min(whole, start + (MAX_DATA_BYTES - shown));
    builder.writeBytes(message.direction, bytes, start, end);
    shown += end - start;
  }
  builder.endLine();
  return [{ kind: 'body', name: 'DATA', detail: `${message.dataLength} bytes`, startLine, endLine: builder.lineCount - 1, children: [] }];
}

/** `GET /path` from a request header block's pseudo-header fields (escaped). */
function requestName(stream: Http2Stream): string {
  const value = (name: string) => fieldValue(stream.request.headers, name);
  const method = value(':method');
  return method ? outlineName(escapeLatin1(`${method} ${value(':path') ?? value(':authority') ?? ''}`)) : streamLabel(stream);
}

/**
 * `exchangeIndex` numbers a stream as the table and the exports do (export/exchanges.ts), so Copy
 * as curl on its outline node names the same exchange.
 */
export function renderHttp2(
  builder: TextBuilder,
  http2: Http2Conversation,
  bytesOf: (direction: Direction) => Uint8Array,
  exchangeIndex: (stream: Http2Stream) => number | undefined,
): OutlineNode[] {
  builder.writeLine(`── HTTP/2 (${http2.mode === 'upgrade' ? 'h2c upgrade' : 'connection preface'}) · ${http2.streams.length} stream${http2.streams.length === 1 ? '' : 's'} ──`);
  builder.writeLine('');
  const outline: OutlineNode[] = [];
  for (const stream of http2.streams) {
    const { request, response } = stream;
    builder.endLine();
    const startLine = builder.lineCount;
    const requestParts: OutlineNode[] = [];
    const responseParts: OutlineNode[] = [];
    if (stream.upgraded) builder.writeLine(`▶ ${streamLabel(stream)} · its request is the HTTP/1.1 upgrade request above`);
    if (request.headers) requestParts.push(writeBlock(builder, stream, request.headers, stream.pushed ? 'pushed request (PUSH_PROMISE)' : 'request headers'));
    requestParts.push(...writeData(builder, bytesOf('client-to-server'), request));
    if (request.trailers) requestParts.push(writeBlock(builder, stream, request.trailers, 'request trailers'));
    for (const block of response.informational) responseParts.push(writeBlock(builder, stream, block, 'informational response'));
    if (response.headers) responseParts.push(writeBlock(builder, stream, response.headers, 'response headers'));
    responseParts.push(...writeData(builder, bytesOf('server-to-client'), response));
    if (response.trailers) responseParts.push(writeBlock(builder, stream, response.trailers, 'response trailers'));
    const grpc = grpcStatusOf(stream);
    if (grpc) builder.writeLine(`  gRPC status ${grpc.status} ${GRPC_STATUS[grpc.status] ?? ''}${grpc.message !== undefined ? `: ${escapeLatin1(grpc.message)}` : ''}`);
    for (const reset of stream.resets) {
      builder.writeMapped(reset.direction, reset.frame.offset, frameEnd(reset.frame), `✖ RST_STREAM ${errorCodeName(reset.errorCode)} from ${SENDER[reset.direction]} · ${ARROW[reset.direction]} · bytes ${reset.frame.offset}–${frameEnd(reset.frame)}`);
    }
    if (!response.headers && stream.resets.length === 0 && !stream.pushed) builder.writeLine(`(no response on ${streamLabel(stream)} in the capture)`);
    const endLine = builder.lineCount - 1;
    builder.writeLine('');
    const status = fieldValue(response.headers, ':status');
    const part = (kind: 'request' | 'response', parts: OutlineNode[]): OutlineNode[] =>
      parts.length ? [{ kind, name: kind, startLine: parts[0].startLine, endLine: parts[parts.length - 1].endLine, children: parts }] : [];
    outline.push({
      kind: 'exchange',
      name: requestName(stream),
      detail: [status !== undefined ? escapeLatin1(status) : stream.resets.length ? 'reset' : 'no response', streamLabel(stream)].join(' · '),
      startLine,
      endLine: Math.max(startLine, endLine),
      children: [...part('request', requestParts), ...part('response', responseParts)],
      exchange: exchangeIndex(stream),
    });
  }
  for (const goaway of http2.goaways) {
    builder.endLine();
    const line = builder.lineCount;
    builder.writeMapped(
      goaway.direction,
      goaway.frame.offset,
      frameEnd(goaway.frame),
      `✖ GOAWAY ${errorCodeName(goaway.errorCode)} from ${SENDER[goaway.direction]} · last stream ${goaway.lastStreamId}${goaway.debug ? ` · debug "${escapeLatin1(goaway.debug)}"` : ''} · ${ARROW[goaway.direction]} · bytes ${goaway.frame.offset}–${frameEnd(goaway.frame)}`,
    );
    outline.push({ kind: 'frame', name: `GOAWAY ${errorCodeName(goaway.errorCode)}`, detail: `from ${SENDER[goaway.direction]}`, startLine: line, endLine: line, children: [] });
  }
  for (const stop of http2.stops) builder.writeLine(`(${ARROW[stop.direction]}: HTTP/2 framing stops at byte ${stop.offset}: ${stop.reason})`);
  return outline;
}
