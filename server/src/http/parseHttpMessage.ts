/**
 * A strict HTTP/1.x parser (RFC 9112) over one direction's reassembled bytes. It never throws:
 * malformed input becomes ParseIssues with offsets, and anything it cannot frame ends the parse
 * with a stated reason instead of a guess. Leniency it must apply to keep going (bare LF line
 * ends, a field line without a colon) is recorded so rules can report it.
 */
import {
  type BodyFraming,
  type Chunk,
  type HeaderField,
  type HttpMessage,
  type Line,
  type ParseIssue,
  ParseIssueCode,
} from './httpMessage';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

export function readLine(bytes: Uint8Array, offset: number): Line | undefined {
  const lf = bytes.indexOf(LF, offset);
  if (lf < 0) return undefined;
  const crlf = lf > offset && bytes[lf - 1] === CR;
  return { offset, length: (crlf ? lf - 1 : lf) - offset, terminator: crlf ? 'crlf' : 'lf', next: lf + 1 };
}

export function latin1(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < offset + length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Does this direction start like HTTP/1.x? Used to tell HTTP from other TCP payload on any port. */
export function looksLikeHttp(bytes: Uint8Array, kind: 'request' | 'response'): boolean {
  const head = latin1(bytes, 0, Math.min(bytes.length, 64));
  return kind === 'response' ? /^HTTP\/\d/.test(head) : /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+( HTTP\/|\r?\n)/.test(head);
}

interface StartLineMatch {
  readonly fields: [string, string, string];
}

/** Runs of characters other than SP and HTAB, as [start, end) pairs. */
function words(text: string): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < text.length; ) {
    while (i < text.length && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
    const start = i;
    while (i < text.length && text.charCodeAt(i) !== SP && text.charCodeAt(i) !== HTAB) i++;
    if (i > start) runs.push([start, i]);
  }
  return runs;
}

/** `text` without trailing SP, HTAB and CR (a bare CR before the line end is reported by bare-cr). */
function trimLineEnd(text: string): string {
  let end = text.length;
  while (end > 0 && [SP, HTAB, CR].includes(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

const HTTP_PREFIX = /^HTTP\//i;

/**
 * Start lines are matched leniently so that a malformed one is still parsed and reported by
 * the rules (invalid-request-line, invalid-status-line, unknown-http-version) on its bytes;
 * only bytes that do not resemble HTTP at all stop the parse. Scanned by hand, not by regex:
 * packet bytes choose the runs of blanks a backtracking regex would stumble over.
 *
 * A request line is `method … HTTP/x` (any method bytes, any case of "HTTP", a target that may
 * be missing or contain blanks), or, HTTP/0.9 style, a token method and one path-like target.
 * A status line is `HTTP/x`, blanks, at least one digit, then anything.
 */
function matchStartLine(text: string, kind: 'request' | 'response'): StartLineMatch | undefined {
  const line = trimLineEnd(text);
  if (kind === 'response') {
    if (!HTTP_PREFIX.test(line)) return undefined;
    const [version] = words(line);
    let at = version[1];
    while (at < line.length && (line.charCodeAt(at) === SP || line.charCodeAt(at) === HTAB)) at++;
    const digits = /^\d+/.exec(line.slice(at))?.[0];
    if (at === version[1] || digits === undefined) return undefined;
    at += digits.length;
    // One blank separates the code from the reason; anything else stays in the reason.
    if (at < line.length && (line.charCodeAt(at) === SP || line.charCodeAt(at) === HTAB)) at++;
    return { fields: [line.slice(0, version[1]), digits, line.slice(at)] };
  }
  const runs = words(line);
  if (runs.length < 2 || runs[0][0] !== 0) return undefined;
  const method = line.slice(0, runs[0][1]);
  const last = line.slice(...runs[runs.length - 1]);
  if (HTTP_PREFIX.test(last)) {
    const target = runs.length > 2 ? line.slice(runs[1][0], runs[runs.length - 2][1]) : '';
    return { fields: [method, target, last] };
  }
  // HTTP/0.9: `GET /path`. Anything else with two words (an SSH banner) is not HTTP.
  if (runs.length !== 2 || !TOKEN.test(method) || !/^(\/|\*$|[A-Za-z][A-Za-z0-9+.-]*:\/\/)/.test(last)) return undefined;
  return { fields: [method, last, ''] };
}

/** What the response side needs to know about the request it answers. */
export interface ResponseContext {
  readonly requestMethod?: string;
}

export type ParseOutcome =
  | { readonly message: HttpMessage; readonly next: number }
  | { readonly stop: 'not-http' | 'incomplete'; readonly offset: number };

interface HeaderSection {
  readonly headers: HeaderField[];
  readonly end: number;
}

/**
 * Removes spaces and tabs at the end (and, if asked, the start). A loop, not /[ \t]+$/: V8 runs
 * that regex in time quadratic in a run of blanks not at the end, and packet bytes choose the run.
 */
function trimOws(text: string, leading: boolean): string {
  let start = 0;
  let end = text.length;
  const blank = (c: number) => c === SP || c === HTAB;
  while (leading && start < end && blank(text.charCodeAt(start))) start++;
  while (end > start && blank(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function parseHeaderSection(bytes: Uint8Array, offset: number, issues: ParseIssue[]): HeaderSection | undefined {
  const headers: HeaderField[] = [];
  let at = offset;
  for (;;) {
    const line = readLine(bytes, at);
    if (!line) return undefined;
    at = line.next;
    if (line.length === 0) return { headers, end: at };
    const firstByte = bytes[line.offset];
    const previous = headers[headers.length - 1];
    if ((firstByte === SP || firstByte === HTAB) && previous) {
      // obs-fold (RFC 9112 §5.2): a continuation of the previous field's value.
      const continuation = latin1(bytes, line.offset, line.length).trim();
      headers[headers.length - 1] = {
        ...previous,
        value: previous.value ? `${previous.value} ${continuation}` : continuation,
        continuations: [...previous.continuations, line],
      };
      continue;
    }
    const colon = bytes.subarray(line.offset, line.offset + line.length).indexOf(0x3a);
    if (colon < 0) {
      issues.push({ code: ParseIssueCode.HeaderLineWithoutColon, offset: line.offset, length: line.length });
      continue;
    }
    const rawName = latin1(bytes, line.offset, colon);
    headers.push({
      line,
      rawName,
      name: trimOws(rawName, false).toLowerCase(),
      value: trimOws(latin1(bytes, line.offset + colon + 1, line.length - colon - 1), true),
      continuations: [],
    });
  }
}

/** The transfer codings named by all Transfer-Encoding fields, in order, lower-cased. */
export function transferCodings(message: Pick<HttpMessage, 'headers'>): string[] {
  return message.headers
    .filter((field) => field.name === 'transfer-encoding')
    .flatMap((field) => field.value.split(','))
    .map((coding) => coding.split(';')[0].trim().toLowerCase())
    .filter((coding) => coding.length > 0);
}

interface Framing {
  readonly framing: BodyFraming;
  readonly contentLength?: number;
}

/** RFC 9112 §6.3, in its order of precedence. */
function decideFraming(
  kind: 'request' | 'response',
  headers: HeaderField[],
  status: number | undefined,
  context: ResponseContext,
  issues: ParseIssue[],
): Framing {
  if (kind === 'response') {
    const method = context.requestMethod?.toUpperCase();
    if (method === 'HEAD' || (status !== undefined && (status < 200 || status === 204 || status === 304))) return { framing: 'none' };
    // §6.3 item 2: a 2xx answer to CONNECT turns the connection into a tunnel right after the header section.
    if (method === 'CONNECT' && status !== undefined && status >= 200 && status < 300) return { framing: 'none' };
  }
  const codings = transferCodings({ headers });
  if (headers.some((field) => field.name === 'transfer-encoding')) {
    if (codings[codings.length - 1] === 'chunked') return { framing: 'chunked' };
    // A response whose final coding is not chunked runs to the close; a request cannot be framed.
    return kind === 'response' ? { framing: 'close-delimited' } : { framing: 'none' };
  }
  const lengths = headers.filter((field) => field.name === 'content-length');
  if (lengths.length > 0) {
    const values = new Set(lengths.flatMap((field) => field.value.split(',').map((v) => v.trim())));
    const [value] = values;
    if (values.size === 1 && /^\d+$/.test(value)) return { framing: 'content-length', contentLength: Number(value) };
    for (const field of lengths) issues.push({ code: ParseIssueCode.InvalidContentLength, offset: field.line.offset, length: field.line.length });
    return { framing: 'none' };
  }
  return kind === 'request' ? { framing: 'none' } : { framing: 'close-delimited' };
}

interface BodyResult {
  readonly end: number;
  readonly complete: boolean;
  readonly chunks: Chunk[];
  readonly trailers: HeaderField[];
}

function parseChunkedBody(bytes: Uint8Array, offset: number, issues: ParseIssue[]): BodyResult {
  const chunks: Chunk[] = [];
  let at = offset;
  for (;;) {
    const sizeLine = readLine(bytes, at);
    if (!sizeLine) return { end: bytes.length, complete: false, chunks, trailers: [] };
    const text = latin1(bytes, sizeLine.offset, sizeLine.length);
    const sizeToken = /^[0-9A-Fa-f]+/.exec(text)?.[0];
    const size = sizeToken === undefined ? NaN : Number.parseInt(sizeToken, 16);
    // Whatever follows `;` (even a bare CR) is a chunk extension: reported by rules, framing goes on.
    if (sizeToken === undefined || !Number.isSafeInteger(size) || !/^[0-9A-Fa-f]+[ \t]*(;[^]*)?$/.test(text)) {
      issues.push({ code: ParseIssueCode.InvalidChunkSize, offset: sizeLine.offset, length: sizeLine.length });
      return { end: bytes.length, complete: false, chunks, trailers: [] };
    }
    chunks.push({ sizeLine, size, dataOffset: sizeLine.next });
    if (size === 0) {
      // Trailer section, then the final empty line.
      const trailers = parseHeaderSection(bytes, sizeLine.next, issues);
      return trailers
        ? { end: trailers.end, complete: true, chunks, trailers: trailers.headers }
        : { end: bytes.length, complete: false, chunks, trailers: [] };
    }
    const dataEnd = sizeLine.next + size;
    if (dataEnd > bytes.length) return { end: bytes.length, complete: false, chunks, trailers: [] };
    const after = readLine(bytes, dataEnd);
    if (!after || after.length !== 0) {
      issues.push({ code: ParseIssueCode.ChunkDataNotTerminated, offset: dataEnd, length: after ? after.length : bytes.length - dataEnd });
      if (!after) return { end: bytes.length, complete: false, chunks, trailers: [] };
    }
    at = after.next;
  }
}

/**
 * Parses one message starting at `offset`. `kind` is the role of this direction (requests flow
 * client to server). Leading empty lines before a request are skipped, as RFC 9112 §2.2 allows.
 */
export function parseHttpMessage(
  bytes: Uint8Array,
  offset: number,
  kind: 'request' | 'response',
  context: ResponseContext = {},
): ParseOutcome {
  let start = offset;
  while (kind === 'request' && (bytes[start] === CR || bytes[start] === LF)) start++;
  const startLine = readLine(bytes, start);
  if (!startLine) return { stop: looksLikeHttp(bytes.subarray(start), kind) ? 'incomplete' : 'not-http', offset: start };
  const match = matchStartLine(latin1(bytes, startLine.offset, startLine.length), kind);
  if (!match) return { stop: 'not-http', offset: start };
  const [first, second, third] = match.fields;

  const issues: ParseIssue[] = [];
  const section = parseHeaderSection(bytes, startLine.next, issues);
  const status = kind === 'response' ? Number(second) : undefined;
  const base = { offset: start, startLine, issues };
  const withKind = (fields: Omit<HttpMessage, 'kind' | 'requestLine' | 'statusLine' | keyof typeof base>): HttpMessage =>
    kind === 'request'
      ? { kind, ...base, ...fields, requestLine: { method: first, target: second, version: third } }
      : { kind, ...base, ...fields, statusLine: { version: first, status: status!, reason: third } };

  if (!section) {
    issues.push({ code: ParseIssueCode.IncompleteHeaderSection, offset: start, length: bytes.length - start });
    const message = withKind({
      end: bytes.length, headers: [], headerSectionEnd: bytes.length, framing: 'none',
      bodyOffset: bytes.length, bodyLength: 0, chunks: [], trailers: [], complete: false,
    });
    return { message, next: bytes.length };
  }

  const { framing, contentLength } = decideFraming(kind, section.headers, status, context, issues);
  const bodyOffset = section.end;
  let body: BodyResult;
  switch (framing) {
    case 'none':
      body = { end: bodyOffset, complete: true, chunks: [], trailers: [] };
      break;
    case 'content-length': {
      const end = bodyOffset + (contentLength ?? 0);
      body = { end: Math.min(end, bytes.length), complete: end <= bytes.length, chunks: [], trailers: [] };
      break;
    }
    case 'chunked':
      body = parseChunkedBody(bytes, bodyOffset, issues);
      break;
    case 'close-delimited':
      body = { end: bytes.length, complete: true, chunks: [], trailers: [] };
      break;
  }
  if (!body.complete && framing !== 'chunked') issues.push({ code: ParseIssueCode.IncompleteBody, offset: bodyOffset, length: body.end - bodyOffset });
  const message = withKind({
    end: body.end,
    headers: section.headers,
    headerSectionEnd: section.end,
    framing,
    ...(contentLength !== undefined ? { contentLength } : {}),
    bodyOffset,
    bodyLength: body.end - bodyOffset,
    chunks: body.chunks,
    trailers: body.trailers,
    complete: body.complete,
  });
  return { message, next: body.end };
}
