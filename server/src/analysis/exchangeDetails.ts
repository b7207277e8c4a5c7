/**
 * The exchanges of one analysed stream with their sizes and timing, for the conversation table's
 * expanded row. Computed from the parse the stream already has: message offsets give the sizes,
 * the reassembly's segment spans give the capture time of a message's first and last byte.
 */
import type { ExchangeDetail } from '../../../protocol/model';
import type { HttpMessage } from '../http/httpMessage';
import { summarizeHttp2 } from '../http2/summarizeHttp2';
import { spanAt, type ReassembledDirection } from '../tcp/tcpReassembler';
import type { StreamAnalysis } from './analyzeCapture';
import { escaped } from './summarizeConversation';

interface Placed {
  readonly bytes: number;
  readonly firstTime?: number;
  readonly lastTime?: number;
  readonly frame?: number;
}

function place(message: HttpMessage | undefined, direction: ReassembledDirection): Placed | undefined {
  if (!message) return undefined;
  const first = spanAt(direction, message.offset);
  const last = spanAt(direction, Math.max(message.offset, message.end - 1));
  return { bytes: message.end - message.offset, firstTime: first?.time, lastTime: last?.time, frame: first?.frame };
}

export function exchangeDetails(stream: StreamAnalysis): ExchangeDetail[] {
  const { http, connection } = stream;
  const http1 = http.exchanges.map(({ request, response }, index): ExchangeDetail => {
    const sent = place(request, connection.clientToServer);
    const answered = place(response, connection.serverToClient);
    const from = sent?.firstTime ?? answered?.firstTime;
    const to = answered?.lastTime ?? sent?.lastTime;
    return {
      ...escaped({ method: request?.requestLine.method, target: request?.requestLine.target, reason: response?.statusLine.reason }),
      index,
      status: response?.statusLine.status,
      requestBytes: sent?.bytes,
      responseBytes: answered?.bytes,
      requestTime: sent?.firstTime,
      responseTime: answered?.lastTime,
      durationSeconds: from !== undefined && to !== undefined ? Math.max(0, to - from) : undefined,
      requestFrame: sent?.frame,
      responseFrame: answered?.frame,
    };
  });
  // HTTP/2 streams: what the conversation row lists (their frames interleave, so no one size or span).
  const http2 = summarizeHttp2(http).map((exchange, i): ExchangeDetail => ({ ...escaped(exchange), index: http1.length + i }));
  return [...http1, ...http2];
}
