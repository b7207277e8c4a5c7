import type { ConversationSummary, Direction, ExchangeSummary, Finding, RelatedBytes, Severity } from '../../../protocol/model';
import type { HttpExchange } from '../http/httpConversation';
import { fieldsNamed, type HttpRequest, type HttpResponse } from '../http/httpMessage';
import { latin1 } from '../http/parseHttpMessage';
import { frameAt, type TcpConnection } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';
import { lineRange, type AnalysedStream, type CaptureRule, type RuleHit } from './rule';

/** Body bytes read when looking for a proxy's error page. */
const MAX_BODY = 4096;
/** The clause of the causing finding quoted in ours is cut to this length. */
const MAX_QUOTED = 240;

export const PROXY_GENERATED_ERROR = 'proxy-generated-error';

/** Which proxy wrote an error response, and what its page says about why. */
export interface ProxySignature {
  readonly proxy: 'Envoy' | 'nginx' | 'HAProxy';
  /** Envoy's reset reason or HAProxy's sentence, when the page has one. */
  readonly detail?: string;
}

const ENVOY_RESET = /upstream connect error or disconnect\/reset before headers\. (?:retried and the latest )?reset reason: ([^\r\n]*)/;
const ENVOY_BODIES = new Set(['no healthy upstream', 'upstream request timeout']);
const NGINX_PAGE = /<hr><center>nginx(?:\/[0-9.]+)?<\/center>/;
const HAPROXY_PAGE = /^<html><body><h1>(50[234]) [^<]*<\/h1>\n([^\n<]+)\n<\/body><\/html>/;

/** The body as sent, de-chunked, as latin1 text (at most MAX_BODY bytes). */
export function bodyText(response: HttpResponse, bytes: Uint8Array): string {
  if (response.framing === 'chunked') {
    let text = '';
    for (const chunk of response.chunks) {
      const size = Math.max(0, Math.min(chunk.size, MAX_BODY - text.length, bytes.length - chunk.dataOffset));
      text += latin1(bytes, chunk.dataOffset, size);
      if (text.length >= MAX_BODY) break;
    }
    return text;
  }
  return latin1(bytes, response.bodyOffset, Math.min(response.bodyLength, MAX_BODY));
}

/**
 * Recognises the error pages proxies write themselves. Only the body proves it: Envoy and nginx
 * put their own Server header on every response they relay, including an application's own 502.
 */
export function recognizeProxyError(response: HttpResponse, bytes: Uint8Array): ProxySignature | undefined {
  const status = response.statusLine.status;
  if (!isProxyErrorStatus(status)) return undefined;
  const body = bodyText(response, bytes);
  const envoy = ENVOY_RESET.exec(body);
  if (envoy) return { proxy: 'Envoy', detail: `reset reason: ${envoy[1].trim()}` };
  const server = fieldsNamed(response, 'server').map((field) => field.value.toLowerCase());
  if (server.includes('envoy') && ENVOY_BODIES.has(body.trim())) return { proxy: 'Envoy', detail: body.trim() };
  if (NGINX_PAGE.test(body) && body.includes(`<h1>${status} `)) return { proxy: 'nginx' };
  const haproxy = HAPROXY_PAGE.exec(body);
  if (haproxy && Number(haproxy[1]) === status) return { proxy: 'HAProxy', detail: haproxy[2].trim() };
  return undefined;
}

/** The statuses a proxy's own error page comes with (the only ones this rule reads a body for). */
function isProxyErrorStatus(status: number | undefined): boolean {
  return status === 502 || status === 503 || status === 504;
}

/** Method and path as a proxy forwards them: absolute-form targets lose scheme and authority. */
export function requestKey(request: HttpRequest): string {
  return forwardedKey(request.requestLine.method, request.requestLine.target);
}

function forwardedKey(method: string, target: string): string {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(target);
  const path = absolute ? absolute[1] || '/' : target;
  return `${method} ${path}`;
}

/** The request key of a table row's exchange, when it had a request. */
function rowKey(exchange: ExchangeSummary): string | undefined {
  return exchange.method !== undefined && exchange.target !== undefined ? forwardedKey(exchange.method, exchange.target) : undefined;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** What went wrong on an upstream exchange: a finding on its bytes, or the connection ending under it. */
interface Evidence {
  readonly ruleId?: string;
  readonly frame: number;
  readonly direction: Direction;
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

interface Candidate {
  readonly stream: AnalysedStream;
  readonly exchange: HttpExchange;
  readonly request: HttpRequest;
  readonly requestFrame: number;
  readonly evidence?: Evidence;
}

/** Where the answer to exchange `index` sits (or would sit) in the server's bytes. */
function responseRegion(stream: AnalysedStream, index: number): { from: number; to: number } {
  const exchanges = stream.http.exchanges;
  const response = exchanges[index].response;
  if (response) return { from: response.offset, to: response.end };
  const previous = exchanges.slice(0, index).reverse().find((e) => e.response)?.response;
  return { from: previous ? previous.end : 0, to: stream.connection.serverToClient.bytes.length };
}

function within(finding: Finding, direction: Direction, from: number, to: number): boolean {
  return finding.direction === direction && finding.offset >= from && finding.offset <= Math.max(from, to);
}

function evidenceFor(stream: AnalysedStream, index: number, before: number): Evidence | undefined {
  const exchange = stream.http.exchanges[index];
  const request = exchange.request!;
  const region = responseRegion(stream, index);
  // Findings on the upstream's answer first (most severe, then earliest), then on the proxy's request.
  const side = (f: Finding) => (within(f, 'server-to-client', region.from, region.to) ? 0 : within(f, 'client-to-server', request.offset, request.end) ? 1 : 2);
  const findings = stream.findings
    .filter((f) => f.ruleId !== PROXY_GENERATED_ERROR && f.frame < before && side(f) < 2)
    .sort((a, b) => side(a) - side(b) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.frame - b.frame);
  const best = findings[0];
  if (best) return { ruleId: best.ruleId, frame: best.frame, direction: best.direction, offset: best.offset, length: best.length, text: best.message };
  // No rule fired: the upstream may still have ended the connection under the request.
  if (exchange.response?.complete) return undefined;
  const connection: TcpConnection = stream.connection;
  const ends = [
    { frame: connection.serverToClient.rstFrame, what: 'reset (RST)' },
    { frame: connection.serverToClient.finFrame, what: 'closed (FIN)' },
  ].filter((e): e is { frame: number; what: string } => e.frame !== undefined && e.frame < before);
  ends.sort((a, b) => a.frame - b.frame);
  const end = ends[0];
  if (!end) return undefined;
  return {
    frame: end.frame,
    direction: 'client-to-server',
    offset: request.offset,
    length: request.end - request.offset,
    text: `the upstream ${end.what} the connection in frame ${end.frame} without a complete response`,
  };
}

/** The first clause of a finding's message ("Transfer-Encoding appears 2 times (…)"), cut to MAX_QUOTED. */
function gist(text: string): string {
  const end = text.search(/[.;] /);
  const clause = end > 0 ? text.slice(0, end) : text;
  return clause.length > MAX_QUOTED ? `${clause.slice(0, MAX_QUOTED - 1)}…` : clause;
}

/**
 * "Who made the 502?" A capture taken next to a proxy (a sidecar's pod, the proxy's host) holds
 * both legs: the client's connection that received the error, and the proxy's upstream
 * connection whose response broke. This rule recognises error responses the proxy wrote itself
 * (Envoy's local replies, nginx's and HAProxy's built-in pages) and links each to the upstream
 * exchange that caused it: same method and path (absolute-form targets reduced to their path, as
 * a proxy forwards them), sent after the client's request and before the error, with a finding
 * on its bytes or a connection that ended under it. The finding sits on the error's status line;
 * `related` points into the upstream stream, so diagnostics can jump there.
 */
export const proxyGeneratedError: CaptureRule = {
  scope: 'capture',
  id: PROXY_GENERATED_ERROR,
  title: 'Error response generated by a proxy, linked to the upstream exchange that caused it',
  severity: 'error',
  rfc: { document: 'RFC 9110', section: '15.6.3', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-15.6.3' },
  description:
    'A 502, 503 or 504 whose body is a proxy\'s own error page (Envoy\'s "upstream connect error or disconnect/reset before headers. reset reason: …", nginx\'s "<center>nginx</center>" page, HAProxy\'s "The server returned an invalid or incomplete response."): ' +
    'the application never sent it. RFC 9110 §15.6.3: a gateway answers 502 when the inbound server\'s response was invalid. ' +
    'When the capture also holds the proxy\'s upstream connection, the finding names the upstream exchange (same method and path, between the client\'s request and the error) and what broke there: a malformed response, a reset, a close.',
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Writes these itself: upstream protocol error → 502 UPE, upstream reset or close before the headers → 503 UC, both with body "upstream connect error or disconnect/reset before headers. reset reason: protocol error | connection termination"; route timeout → 504 UT "upstream request timeout".',
      source: 'cited',
      reference: 'envoyproxy/envoy source/common/router/router.cc Filter::onUpstreamReset, Filter::onUpstreamTimeoutAbort; source/common/http/codec_client.cc CodecClient::onEvent',
    },
    {
      implementation: 'haproxy',
      outcome: 'reject',
      summary:
        'HAProxy 2.6.12 answers the incident\'s duplicate Transfer-Encoding response with its own 502 page ("The server returned an invalid or incomplete response."), log termination state PH.',
      source: 'observed',
      reference: 'scripts/make-proxy-sample.mjs with HAProxy 2.6.12 (samples/proxy-502.pcapng, samples/manifest.json)',
    },
    {
      implementation: 'nginx',
      outcome: 'reject',
      summary: 'nginx 1.22.1 answers an upstream reset before the response headers with its own 502 page ("<hr><center>nginx/1.22.1</center>").',
      source: 'observed',
      reference: 'scripts/make-proxy-sample.mjs with nginx 1.22.1 (samples/proxy-502-nginx.pcapng, samples/manifest.json)',
    },
  ],
  check({ streams }) {
    const hits: (RuleHit & { stream: number; direction: Direction })[] = [];
    for (const client of streams) {
      if (client.http.protocol !== 'http') continue;
      const s2c = client.connection.serverToClient;
      const c2s = client.connection.clientToServer;
      for (const exchange of client.http.exchanges) {
        const response = exchange.response;
        if (!response) continue;
        const signature = recognizeProxyError(response, s2c.bytes);
        if (!signature) continue;
        const responseFrame = frameAt(s2c, response.offset);
        const request = exchange.request;
        const requestFrame = request ? frameAt(c2s, request.offset) : 0;
        const candidates: Candidate[] = [];
        if (request) {
          const key = requestKey(request);
          for (const upstream of streams) {
            if (upstream === client || upstream.http.protocol !== 'http') continue;
            upstream.http.exchanges.forEach((candidate, index) => {
              const q = candidate.request;
              if (!q || requestKey(q) !== key) return;
              const frame = frameAt(upstream.connection.clientToServer, q.offset);
              if (frame <= requestFrame || frame >= responseFrame) return;
              candidates.push({ stream: upstream, exchange: candidate, request: q, requestFrame: frame, evidence: evidenceFor(upstream, index, responseFrame) });
            });
          }
        }
        // The upstream exchange closest before the error, preferring one with evidence.
        candidates.sort((a, b) => Number(!!b.evidence) - Number(!!a.evidence) || b.requestFrame - a.requestFrame);
        hits.push(hit(client, response, signature, request, requestFrame, responseFrame, candidates[0]));
      }
    }
    return hits;
  },
  // What `check` reads, from the rows: HTTP streams with a 502/503/504 (the only responses whose
  // body it reads), and HTTP streams with an exchange of the same method and path as the request
  // of such an error (the only upstream candidates). Rows also list HTTP/2 exchanges: a superset.
  candidateStreams(rows: readonly ConversationSummary[]) {
    const http = rows.filter((row) => row.protocol === 'http');
    const errors = http.filter((row) => row.exchanges.some((exchange) => isProxyErrorStatus(exchange.status)));
    if (errors.length === 0) return [];
    const keys = new Set(errors.flatMap((row) => row.exchanges.filter((exchange) => isProxyErrorStatus(exchange.status)).map(rowKey)));
    keys.delete(undefined);
    const upstreams = keys.size === 0 ? [] : http.filter((row) => row.exchanges.some((exchange) => keys.has(rowKey(exchange))));
    return new Set([...errors, ...upstreams].map((row) => row.stream));
  },
};

function hit(
  client: AnalysedStream,
  response: HttpResponse,
  signature: ProxySignature,
  request: HttpRequest | undefined,
  requestFrame: number,
  responseFrame: number,
  link: Candidate | undefined,
): RuleHit & { stream: number; direction: Direction } {
  const s2c = client.connection.serverToClient.bytes;
  const status = escapeLatin1(latin1(s2c, response.startLine.offset, response.startLine.length));
  const who = `generated by the proxy (${signature.proxy}${signature.detail ? `: "${escapeLatin1(signature.detail)}"` : ''})`;
  const asked = request ? `"${escapeLatin1(`${request.requestLine.method} ${request.requestLine.target}`)}"` : 'the request';
  const base = { stream: client.connection.stream, direction: 'server-to-client' as const, ...lineRange(response.startLine) };
  if (!link) {
    return {
      ...base,
      message:
        `"${status}" (frame ${responseFrame}) was ${who}, not by the application. ` +
        `This capture holds no upstream exchange for ${asked} between the request (frame ${requestFrame}) and this response: capture the proxy's upstream leg too (same host or pod, all interfaces) to see what broke.`,
    };
  }
  const upstream = link.stream.connection.stream;
  const forwarded = escapeLatin1(`${link.request.requestLine.method} ${link.request.requestLine.target}`);
  const related: RelatedBytes[] = [];
  if (!link.evidence) {
    related.push({ stream: upstream, direction: 'client-to-server', ...lineRange(link.request.startLine), message: `The proxy's request upstream: "${forwarded}"` });
    return {
      ...base,
      related,
      message:
        `"${status}" (frame ${responseFrame}) was ${who}, not by the application. The proxy forwarded ${asked} in stream ${upstream} (frame ${link.requestFrame}), ` +
        `and nothing on that exchange's bytes explains the error: the proxy's own log has its reason (a timeout, a limit, a TLS or connect failure).`,
    };
  }
  const evidence = link.evidence;
  const cause = evidence.ruleId ?? 'the connection ending';
  related.push({
    stream: upstream,
    direction: evidence.direction,
    offset: evidence.offset,
    length: evidence.length,
    message: evidence.ruleId ? `Cause, ${evidence.ruleId}: ${evidence.text}` : `Cause: ${evidence.text}`,
  });
  related.push({ stream: upstream, direction: 'client-to-server', ...lineRange(link.request.startLine), message: `The proxy's request upstream: "${forwarded}"` });
  return {
    ...base,
    related,
    message:
      `"${status}" (frame ${responseFrame}) was ${who}, caused by ${cause} in stream ${upstream} (frame ${evidence.frame}): ` +
      `the proxy forwarded ${asked} there (frame ${link.requestFrame}), and ${evidence.ruleId ? `the exchange broke: ${gist(evidence.text)}` : evidence.text}. ` +
      'The application did not send this error: fix what happened on the upstream connection.',
  };
}
