/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) from parsed HTTP/1.x exchanges and
 * HTTP/2 streams, so a captured conversation opens in browser dev tools and HAR viewers. Headers
 * are the wire's (HTTP/1.x: latin1, name case kept, duplicates kept; HTTP/2: the decoded HPACK
 * fields, pseudo-headers included as browsers write them); bodies are decoded (decodeBody.ts) and
 * written as text when they are text, base64 otherwise; timings come from the frames that carried
 * the bytes.
 */
import type { Direction } from '../../../protocol/model';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import { decodeBody, decodeHttp2Body, decodedText, type DecodedBody } from '../http/decodeBody';
import { fieldsNamed, type HeaderField, type HttpMessage, type HttpRequest, type HttpResponse } from '../http/httpMessage';
import type { Http2Field, Http2Message, Http2Stream } from '../http2/http2Conversation';
import { directionOf, spanAt } from '../tcp/tcpReassembler';
import { chosenExchanges } from './exchanges';

export interface HarNameValue {
  readonly name: string;
  readonly value: string;
  readonly comment?: string;
}

export interface HarCookie extends HarNameValue {
  readonly path?: string;
  readonly domain?: string;
  readonly expires?: string;
  readonly httpOnly?: boolean;
  readonly secure?: boolean;
}

export interface HarContent {
  readonly size: number;
  readonly compression?: number;
  readonly mimeType: string;
  readonly text?: string;
  readonly encoding?: 'base64';
  readonly comment?: string;
}

export interface HarPostData {
  readonly mimeType: string;
  readonly params?: readonly HarNameValue[];
  readonly text: string;
  readonly comment?: string;
}

export interface HarRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly cookies: readonly HarCookie[];
  readonly headers: readonly HarNameValue[];
  readonly queryString: readonly HarNameValue[];
  readonly postData?: HarPostData;
  readonly headersSize: number;
  readonly bodySize: number;
}

export interface HarResponse {
  readonly status: number;
  readonly statusText: string;
  readonly httpVersion: string;
  readonly cookies: readonly HarCookie[];
  readonly headers: readonly HarNameValue[];
  readonly content: HarContent;
  readonly redirectURL: string;
  readonly headersSize: number;
  readonly bodySize: number;
  readonly comment?: string;
}

export interface HarTimings {
  readonly blocked: number;
  readonly dns: number;
  readonly connect: number;
  readonly send: number;
  readonly wait: number;
  readonly receive: number;
  readonly ssl: number;
}

export interface HarEntry {
  readonly startedDateTime: string;
  readonly time: number;
  readonly request: HarRequest;
  readonly response: HarResponse;
  readonly cache: Record<string, never>;
  readonly timings: HarTimings;
  readonly serverIPAddress: string;
  readonly connection: string;
  readonly comment?: string;
}

export interface Har {
  readonly log: {
    readonly version: '1.2';
    readonly creator: { readonly name: string; readonly version: string };
    readonly entries: readonly HarEntry[];
    readonly comment?: string;
  };
}

export interface HarOptions {
  /** Only this exchange (0-based); default every exchange with a request. */
  readonly exchange?: number;
  /** The Wirelens version named as the HAR's creator. */
  readonly creatorVersion: string;
}

function headers(fields: readonly HeaderField[]): HarNameValue[] {
  return fields.map((field) => ({ name: field.rawName.trimEnd(), value: field.value }));
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** `a=1&b=x%20y` → name/value pairs, percent-decoded where that is valid. */
export function formPairs(text: string): HarNameValue[] {
  return text
    .split('&')
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? { name: decodeComponent(pair), value: '' } : { name: decodeComponent(pair.slice(0, equals)), value: decodeComponent(pair.slice(equals + 1)) };
    });
}

/** Cookie field values (RFC 6265 §4.2) → name/value pairs. */
function requestCookies(values: readonly string[]): HarCookie[] {
  return values
    .flatMap((value) => value.split(';'))
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? { name: pair, value: '' } : { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim() };
    });
}

/** Set-Cookie values (RFC 6265 §4.1): `name=value` then attributes. */
function responseCookies(values: readonly string[]): HarCookie[] {
  return values.map((value) => {
    const [pair, ...attributes] = value.split(';');
    const equals = pair.indexOf('=');
    const cookie: { -readonly [K in keyof HarCookie]: HarCookie[K] } = {
      name: (equals < 0 ? pair : pair.slice(0, equals)).trim(),
      value: equals < 0 ? '' : pair.slice(equals + 1).trim(),
    };
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split('=');
      const value = rest.join('=').trim();
      switch (key.trim().toLowerCase()) {
        case 'path':
          cookie.path = value;
          break;
        case 'domain':
          cookie.domain = value;
          break;
        case 'expires': {
          const date = new Date(value);
          if (!Number.isNaN(date.getTime())) cookie.expires = date.toISOString();
          break;
        }
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'secure':
          cookie.secure = true;
          break;
      }
    }
    return cookie;
  });
}

/** The request's absolute URL: absolute-form as sent, else scheme, Host (or the server's address) and target. */
export function requestUrl(request: HttpRequest, analysis: StreamAnalysis): string {
  const target = request.requestLine.target;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  const scheme = analysis.tls ? 'https' : 'http';
  const server = analysis.connection.server;
  const host = fieldsNamed(request, 'host')[0]?.value || (server.address.includes(':') ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`);
  if (request.requestLine.method.toUpperCase() === 'CONNECT') return `${scheme}://${target}`;
  return `${scheme}://${host}${target.startsWith('/') ? target : target === '*' ? '' : `/${target}`}`;
}

function queryString(url: string): HarNameValue[] {
  const query = url.indexOf('?');
  if (query < 0) return [];
  const hash = url.indexOf('#', query);
  return formPairs(url.slice(query + 1, hash < 0 ? undefined : hash));
}

/** The body as HAR text: decoded text when it is text, base64 otherwise. */
function bodyText(body: DecodedBody): { text: string; encoding?: 'base64' } {
  const text = decodedText(body);
  return text !== undefined ? { text } : { text: Buffer.from(body.bytes).toString('base64'), encoding: 'base64' };
}

function comment(body: DecodedBody): { comment?: string } {
  return body.notes.length ? { comment: body.notes.join(' ') } : {};
}

async function decode(analysis: StreamAnalysis, message: HttpMessage): Promise<DecodedBody> {
  const direction: Direction = message.kind === 'request' ? 'client-to-server' : 'server-to-client';
  return decodeBody(directionOf(analysis.connection, direction).bytes, message);
}

/** Capture time (seconds) of the frame that carried byte `offset` of a direction. */
function timeAt(analysis: StreamAnalysis, direction: Direction, offset: number): number {
  return spanAt(directionOf(analysis.connection, direction), offset)?.time ?? analysis.connection.firstTime;
}

const milliseconds = (seconds: number) => Math.max(0, Math.round(seconds * 1e6) / 1e3);

async function harRequest(analysis: StreamAnalysis, request: HttpRequest): Promise<HarRequest> {
  const url = requestUrl(request, analysis);
  const contentType = fieldsNamed(request, 'content-type')[0]?.value ?? '';
  let postData: HarPostData | undefined;
  if (request.bodyLength > 0) {
    const body = await decode(analysis, request);
    const { text, encoding } = bodyText(body);
    const form = /^application\/x-www-form-urlencoded/i.test(contentType) && !encoding;
    postData = { mimeType: contentType, text, ...(form ? { params: formPairs(text) } : {}), ...(encoding ? { comment: 'text is base64' } : comment(body)) };
  }
  return {
    method: request.requestLine.method,
    url,
    httpVersion: request.requestLine.version || 'HTTP/0.9',
    cookies: requestCookies(fieldsNamed(request, 'cookie').map((field) => field.value)),
    headers: headers(request.headers),
    queryString: queryString(url),
    ...(postData ? { postData } : {}),
    headersSize: request.headerSectionEnd - request.offset,
    bodySize: request.bodyLength,
  };
}

async function harResponse(analysis: StreamAnalysis, response: HttpResponse | undefined): Promise<HarResponse> {
  if (!response) {
    return {
      status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: '' },
      redirectURL: '', headersSize: -1, bodySize: -1, comment: 'No response in the capture.',
    };
  }
  const body = await decode(analysis, response);
  const { text, encoding } = bodyText(body);
  const content: HarContent = {
    size: body.bytes.length,
    ...(body.undone.length ? { compression: body.bytes.length - body.payload.length } : {}),
    mimeType: fieldsNamed(response, 'content-type')[0]?.value ?? '',
    ...(body.bytes.length ? { text } : {}),
    ...(encoding && body.bytes.length ? { encoding } : {}),
    ...comment(body),
  };
  return {
    status: response.statusLine.status,
    statusText: response.statusLine.reason,
    httpVersion: response.statusLine.version,
    cookies: responseCookies(fieldsNamed(response, 'set-cookie').map((field) => field.value)),
    headers: headers(response.headers),
    content,
    redirectURL: fieldsNamed(response, 'location')[0]?.value ?? '',
    headersSize: response.headerSectionEnd - response.offset,
    bodySize: response.bodyLength,
  };
}

function timings(requestStart: number, requestEnd: number, responseStart: number, responseEnd: number): HarTimings {
  return {
    blocked: -1,
    dns: -1,
    connect: -1,
    send: milliseconds(requestEnd - requestStart),
    wait: milliseconds(responseStart - requestEnd),
    receive: milliseconds(responseEnd - responseStart),
    ssl: -1,
  };
}

function entry(analysis: StreamAnalysis, startedAt: number, times: HarTimings, request: HarRequest, response: HarResponse): HarEntry {
  return {
    startedDateTime: new Date(startedAt * 1000).toISOString(),
    time: times.send + times.wait + times.receive,
    request,
    response,
    cache: {},
    timings: times,
    serverIPAddress: analysis.connection.server.address,
    connection: String(analysis.connection.stream),
  };
}

async function harEntry(analysis: StreamAnalysis, request: HttpRequest, response: HttpResponse | undefined): Promise<HarEntry> {
  const requestStart = timeAt(analysis, 'client-to-server', request.offset);
  const requestEnd = timeAt(analysis, 'client-to-server', Math.max(request.offset, request.end - 1));
  const responseStart = response ? timeAt(analysis, 'server-to-client', response.offset) : requestEnd;
  const responseEnd = response ? timeAt(analysis, 'server-to-client', Math.max(response.offset, response.end - 1)) : requestEnd;
  const times = timings(requestStart, requestEnd, responseStart, responseEnd);
  return entry(analysis, requestStart, times, await harRequest(analysis, request), await harResponse(analysis, response));
}

//#region HTTP/2
const valuesOf = (fields: readonly Http2Field[], name: string) => fields.filter((field) => field.name === name).map((field) => field.value);

/** The first and last frame offsets of a message (headers, DATA, trailers), if it has any. */
function messageSpan(message: Http2Message): [number, number] | undefined {
  const offsets = [message.headers?.offset, ...message.data.map((frame) => frame.offset), message.trailers?.offset].filter((offset): offset is number => offset !== undefined);
  return offsets.length ? [Math.min(...offsets), Math.max(...offsets)] : undefined;
}

async function http2Content(analysis: StreamAnalysis, message: Http2Message): Promise<{ content: HarContent; text?: string; encoding?: 'base64'; body: DecodedBody }> {
  const body = await decodeHttp2Body(directionOf(analysis.connection, message.direction).bytes, message);
  const { text, encoding } = bodyText(body);
  const content: HarContent = {
    size: body.bytes.length,
    ...(body.undone.length ? { compression: body.bytes.length - body.payload.length } : {}),
    mimeType: valuesOf(message.headers?.fields ?? [], 'content-type')[0] ?? '',
    ...(body.bytes.length ? { text } : {}),
    ...(encoding && body.bytes.length ? { encoding } : {}),
    ...comment(body),
  };
  return { content, text, encoding, body };
}

/** An HTTP/2 stream as a HAR entry; undefined when its request headers are not in the capture. */
async function http2Entry(analysis: StreamAnalysis, stream: Http2Stream): Promise<HarEntry | undefined> {
  const requestFields = stream.request.headers?.fields;
  const requestSpan = messageSpan(stream.request);
  if (!requestFields || !requestSpan) return undefined;
  const field = (name: string) => valuesOf(requestFields, name)[0];
  const server = analysis.connection.server;
  const authority = field(':authority') ?? field('host') ?? `${server.address}:${server.port}`;
  const url = `${field(':scheme') ?? (analysis.tls ? 'https' : 'http')}://${authority}${field(':path') ?? ''}`;
  const contentType = field('content-type') ?? '';
  let postData: HarPostData | undefined;
  if (stream.request.dataLength > 0) {
    const { text, encoding, body } = await http2Content(analysis, stream.request);
    postData = { mimeType: contentType, text: text ?? '', ...(encoding ? { comment: 'text is base64' } : comment(body)) };
  }
  const request: HarRequest = {
    method: field(':method') ?? '',
    url,
    httpVersion: 'HTTP/2',
    cookies: requestCookies(valuesOf(requestFields, 'cookie')),
    headers: requestFields.map((field) => ({ name: field.name, value: field.value })),
    queryString: queryString(url),
    ...(postData ? { postData } : {}),
    headersSize: -1,
    bodySize: stream.request.dataLength,
  };
  const responseFields = stream.response.headers?.fields;
  const responseSpan = messageSpan(stream.response);
  const response: HarResponse = responseFields
    ? {
        status: Number(valuesOf(responseFields, ':status')[0] ?? 0),
        statusText: '',
        httpVersion: 'HTTP/2',
        cookies: responseCookies(valuesOf(responseFields, 'set-cookie')),
        headers: [...responseFields, ...(stream.response.trailers?.fields ?? [])].map((field) => ({ name: field.name, value: field.value })),
        content: (await http2Content(analysis, stream.response)).content,
        redirectURL: valuesOf(responseFields, 'location')[0] ?? '',
        headersSize: -1,
        bodySize: stream.response.dataLength,
      }
    : await harResponse(analysis, undefined);
  const [requestStart, requestEnd] = requestSpan.map((offset) => timeAt(analysis, stream.request.direction, offset));
  const [responseStart, responseEnd] = (responseSpan ?? [requestSpan[1], requestSpan[1]]).map((offset) => timeAt(analysis, stream.response.direction, offset));
  return entry(analysis, requestStart, timings(requestStart, requestEnd, responseStart, responseEnd), request, response);
}
//#endregion

/**
 * The HAR of a conversation's exchanges (or of one of them: index as in exchanges.ts). An
 * exchange whose request is not in the capture has no entry; the log's comment counts them.
 */
export async function buildHar(analysis: StreamAnalysis, options: HarOptions): Promise<Har> {
  const chosen = chosenExchanges(analysis, options.exchange);
  const entries: HarEntry[] = [];
  for (const item of chosen) {
    const made = item.kind === 'http1' ? item.exchange.request && (await harEntry(analysis, item.exchange.request, item.exchange.response)) : await http2Entry(analysis, item.stream);
    if (made) entries.push(made);
  }
  const skipped = chosen.length - entries.length;
  return {
    log: {
      version: '1.2',
      creator: { name: 'Wirelens', version: options.creatorVersion },
      entries,
      ...(skipped ? { comment: `${skipped} exchange${skipped === 1 ? '' : 's'} without a request in the capture left out.` } : {}),
    },
  };
}
