/** One row of the conversation table, from an analysed stream (shared by the tshark and direct paths). */
import type { ConversationSummary, Finding } from '../../../protocol/model';
import type { HttpConversation } from '../http/httpConversation';
import type { TcpConnection } from '../tcp/tcpReassembler';

export function summarizeConversation(stream: { readonly connection: TcpConnection; readonly http: HttpConversation; readonly findings: readonly Finding[] }): ConversationSummary {
  const { connection, http, findings } = stream;
  return {
    stream: connection.stream,
    client: connection.client,
    server: connection.server,
    packets: connection.packets,
    bytes: connection.clientToServer.bytes.length + connection.serverToClient.bytes.length,
    start: connection.firstTime,
    durationSeconds: Math.max(0, connection.lastTime - connection.firstTime),
    protocol: http.protocol,
    exchanges: http.exchanges.map(({ request, response }) => ({
      method: request?.requestLine.method,
      target: request?.requestLine.target,
      status: response?.statusLine.status,
      reason: response?.statusLine.reason,
    })),
    findingCount: findings.length,
  };
}
