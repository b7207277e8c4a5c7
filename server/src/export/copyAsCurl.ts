/**
 * Copy as curl for one exchange of a conversation, numbered as the table and the other exports
 * number them (exchanges.ts): an HTTP/1.x request, an HTTP/2 stream's request, or, for the stream
 * an h2c upgrade continues on, the HTTP/1.1 request that asked for it (its Upgrade headers included).
 */
import type { CurlResult } from '../../../protocol/lspProtocol';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import { decodeHttp2Body } from '../http/decodeBody';
import { escapeLatin1 } from '../text/escapeBytes';
import { curlArgv, curlArgvHttp2, formatCurlCommand, type CurlCommand } from './curl';
import { chosenExchanges, type ConversationExchange } from './exchanges';

function hasRequest(item: ConversationExchange): boolean {
  return item.kind === 'http1' ? item.exchange.request !== undefined : item.stream.request.headers !== undefined || item.stream.upgraded;
}

/** The exchange at `index` (default: the first with a request) as a curl command line. */
export async function copyAsCurl(analysis: StreamAnalysis, index?: number): Promise<CurlResult> {
  const item = chosenExchanges(analysis, index).find(hasRequest);
  const stream = analysis.connection.stream;
  if (!item) throw new Error(`TCP stream ${stream} has no captured request${index === undefined ? '' : ` in exchange ${index + 1}`} to copy.`);
  const decrypted = analysis.tls?.facts.decryption === 'decrypted';
  const options = { server: analysis.connection.server, scheme: decrypted ? ('https' as const) : ('http' as const) };
  const bytes = analysis.connection.clientToServer.bytes;
  let command: CurlCommand;
  let request: string;
  if (item.kind === 'http1') {
    const { requestLine } = item.exchange.request!;
    command = curlArgv(item.exchange.request!, bytes, options);
    request = `${requestLine.method} ${requestLine.target}`;
  } else if (item.stream.request.headers) {
    const fields = item.stream.request.headers.fields;
    const body = (await decodeHttp2Body(bytes, item.stream.request)).payload;
    command = curlArgvHttp2(fields, body, { ...options, priorKnowledge: !decrypted && analysis.http.http2?.mode !== 'upgrade' });
    request = ['method', 'path'].map((name) => fields.find((field) => field.name === `:${name}`)?.value ?? '').join(' ');
  } else {
    const upgrade = analysis.http.requests[analysis.http.requests.length - 1];
    command = curlArgv(upgrade, bytes, options);
    request = `${upgrade.requestLine.method} ${upgrade.requestLine.target}`;
  }
  return { command: formatCurlCommand(command), request: escapeLatin1(request) };
}
