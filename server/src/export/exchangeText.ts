/**
 * Copy Exchange as Text: the request and response bytes as sent, escaped the way stream
 * documents are (TextBuilder: CRLF ends a line, a bare LF or CR shows as ␊ / ␍, anything not
 * printable ASCII as \xNN), so what lands on the clipboard is what was on the wire and nothing
 * a terminal or editor could interpret.
 */
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import { payloadRuns } from '../document/streamView';
import { TextBuilder } from '../document/textBuilder';
import type { HttpMessage } from '../http/httpMessage';
import { fragmentRange, type Http2Message } from '../http2/http2Conversation';
import { directionOf } from '../tcp/tcpReassembler';
import { fieldText } from '../http2/describeHttp2';
import { chosenExchanges } from './exchanges';

/**
 * HTTP/2 has no header bytes to show (HPACK): its fields are written decoded, `name: value` a
 * line, then an empty line and the DATA payloads as sent, then the trailers.
 */
function writeHttp2Message(builder: TextBuilder, bytes: Uint8Array, message: Http2Message): void {
  if (!message.headers && message.data.length === 0) return;
  builder.endLine();
  for (const field of message.headers?.fields ?? []) builder.writeLine(fieldText(field));
  builder.writeLine('');
  for (const frame of message.data) builder.writeBytes(message.direction, bytes, ...fragmentRange(bytes, frame));
  for (const field of message.trailers?.fields ?? []) builder.writeLine(fieldText(field));
}

/**
 * One exchange (index as in exchanges.ts), or every exchange of the conversation, separated by an
 * empty line. A conversation with no exchange (TLS without keys, other TCP) is copied as its
 * payload in capture order, each side's turn starting a line.
 */
export function exchangeText(analysis: StreamAnalysis, exchange?: number): string {
  const { connection } = analysis;
  const chosen = chosenExchanges(analysis, exchange);
  const builder = new TextBuilder({
    'client-to-server': connection.clientToServer.bytes.length,
    'server-to-client': connection.serverToClient.bytes.length,
  });
  if (chosen.length === 0) {
    for (const run of payloadRuns(analysis)) {
      builder.endLine();
      builder.writeBytes(run.direction, directionOf(connection, run.direction).bytes, run.offset, run.offset + run.length);
    }
    return builder.text();
  }
  chosen.forEach((item, index) => {
    if (index > 0) builder.writeLine('');
    if (item.kind === 'http2') {
      for (const message of [item.stream.request, item.stream.response]) writeHttp2Message(builder, directionOf(connection, message.direction).bytes, message);
      return;
    }
    const { request, interim, response } = item.exchange;
    for (const message of [request, ...interim, response].filter((m): m is HttpMessage => m !== undefined)) {
      const direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
      builder.endLine();
      builder.writeBytes(direction, directionOf(connection, direction).bytes, message.offset, message.end);
    }
  });
  return builder.text();
}
