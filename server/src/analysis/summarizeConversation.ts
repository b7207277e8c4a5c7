/** One row of the conversation table, from an analysed stream (shared by the tshark and direct paths). */
import type { ConversationSummary, ExchangeSummary, Finding } from '../../../protocol/model';
import type { HttpConversation } from '../http/httpConversation';
import { summarizeHttp2 } from '../http2/summarizeHttp2';
import type { TcpConnection } from '../tcp/tcpReassembler';
import { escapeControls, escapeLatin1 } from '../text/escapeBytes';
import type { TlsStreamInfo } from '../tls/analyzeTls';

/**
 * Method, target, reason and gRPC message are the sender's bytes, shown in the table, its
 * tooltips and JSON: they leave the server escaped (escapeBytes.ts), like stream documents.
 */
export function escaped(exchange: ExchangeSummary): ExchangeSummary {
  const copy: { -readonly [K in keyof ExchangeSummary]: ExchangeSummary[K] } = { ...exchange };
  for (const key of ['method', 'target', 'reason'] as const) if (copy[key] !== undefined) copy[key] = escapeLatin1(copy[key]);
  if (copy.grpcMessage !== undefined) copy.grpcMessage = escapeControls(copy.grpcMessage);
  return copy;
}

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
    ].map(escaped),
    findingCount: findings.length,
    ...(tls ? { tls: tls.facts } : {}),
  };
}
