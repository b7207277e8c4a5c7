/**
 * What an exchange index means to the conversation exports (Copy as Text, HAR, HTTP objects), the
 * same as to the table's exchange rows: the HTTP/1.x exchanges in order, then the HTTP/2 streams
 * the conversation lists (summarizeHttp2.ts's listedHttp2Streams).
 */
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import type { HttpExchange } from '../http/httpConversation';
import type { Http2Stream } from '../http2/http2Conversation';
import { listedHttp2Streams } from '../http2/summarizeHttp2';

export type ConversationExchange = { readonly kind: 'http1'; readonly exchange: HttpExchange } | { readonly kind: 'http2'; readonly stream: Http2Stream };

/** Every exchange, or only the one at `index` (a RangeError names a missing one). */
export function chosenExchanges(analysis: StreamAnalysis, index?: number): ConversationExchange[] {
  const all: ConversationExchange[] = [
    ...analysis.http.exchanges.map((exchange) => ({ kind: 'http1' as const, exchange })),
    ...listedHttp2Streams(analysis.http).map((stream) => ({ kind: 'http2' as const, stream })),
  ];
  if (index === undefined) return all;
  if (!all[index]) throw new RangeError(`Stream ${analysis.connection.stream} has no exchange ${index + 1}.`);
  return [all[index]];
}
