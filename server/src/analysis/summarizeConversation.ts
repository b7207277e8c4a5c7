/** One row of the conversation table, from an analysed stream (shared by the tshark and direct paths). */
import type { ConversationSummary, Finding } from '../../../protocol/model';
import type { HttpConversation } from '../http/httpConversation';
import { summarizeHttp2 } from '../http2/summarizeHttp2';
import type { TcpConnection } from '../tcp/tcpReassembler';
import type { TlsStreamInfo } from '../tls/analyzeTls';

export function summarizeConversation(stream: {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
  readonly findings: readonly Finding[];
  readonly tls?: TlsStreamInfo;
}): ConversationSummary {
  const { http, findings, tls } = stream;
  // Decrypted TLS: the row counts the captured (encrypted) payload.
  const connection = tls?.transport ?? stream.connection;
  return {
    stream: connection.stream,
    client: connection.client,
    server: connection.server,
    packets: connection.packets,
    bytes: connection.clientToServer.bytes.length + connection.serverToClient.bytes.length,
    start: connection.firstTime,
    durationSeconds: Math.max(0, connection.lastTime - connection.firstTime),
    protocol: http.protocol,
    exchanges: [
      ...http.exchanges.map(({ request, response }) => ({
        method: request?.requestLine.method,
        target: request?.requestLine.target,
        status: response?.statusLine.status,
        reason: response?.statusLine.reason,
      })),
      ...summarizeHttp2(http),
    ],
    findingCount: findings.length,
    ...(tls ? { tls: tls.facts } : {}),
  };
}
