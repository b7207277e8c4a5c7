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
import { directionOf } from '../tcp/tcpReassembler';

/**
 * One exchange (0-based), or every exchange of the conversation, separated by an empty line. A
 * conversation with no HTTP/1.x exchange (HTTP/2, TLS without keys, other TCP) is copied as its
 * payload in capture order, each side's turn starting a line.
 */
export function exchangeText(analysis: StreamAnalysis, exchange?: number): string {
  const { connection, http } = analysis;
  if (exchange !== undefined && !http.exchanges[exchange]) throw new RangeError(`Stream ${connection.stream} has no exchange ${exchange + 1}.`);
  const builder = new TextBuilder({
    'client-to-server': connection.clientToServer.bytes.length,
    'server-to-client': connection.serverToClient.bytes.length,
  });
  if (exchange === undefined && http.exchanges.length === 0) {
    for (const run of payloadRuns(analysis)) {
      builder.endLine();
      builder.writeBytes(run.direction, directionOf(connection, run.direction).bytes, run.offset, run.offset + run.length);
    }
    return builder.text();
  }
  const chosen = exchange === undefined ? http.exchanges : [http.exchanges[exchange]];
  chosen.forEach((current, index) => {
    if (index > 0) builder.writeLine('');
    const messages = [current.request, ...current.interim, current.response].filter((m): m is HttpMessage => m !== undefined);
    for (const message of messages) {
      const direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
      builder.endLine();
      builder.writeBytes(direction, directionOf(connection, direction).bytes, message.offset, message.end);
    }
  });
  return builder.text();
}
