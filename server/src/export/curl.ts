/**
 * "Copy as curl": a captured HTTP/1.x or HTTP/2 request as a bash command line that sends the
 * same method, target, header lines (in order, duplicates and name case kept) and body again.
 * Packet bytes are hostile: every argument is shell-quoted so that no byte can end its quotes
 * (test/unit/export/curl.test.ts has bash parse generated commands back into argv).
 */
import type { Endpoint } from '../../../protocol/model';
import { dechunk } from '../http/decodeBody';
import type { HttpRequest } from '../http/httpMessage';
import type { Http2Field } from '../http2/http2Conversation';
import { latin1 } from '../http/parseHttpMessage';

/** A command as argv (latin1 strings: one char per byte) plus the body curl reads from stdin, if any. */
export interface CurlCommand {
  readonly argv: readonly string[];
  /** Set when the body holds NUL bytes, which no argv can carry: it is piped in by printf. */
  readonly stdin?: Uint8Array;
  /** What could not be repeated (our words, no packet bytes): written as `#` lines above the command. */
  readonly notes?: readonly string[];
}

export interface CurlOptions {
  /** Where the request was sent (used for the URL when the Host header is missing or unusable). */
  readonly server: Endpoint;
  /** `https` for requests decrypted from TLS. */
  readonly scheme?: 'http' | 'https';
}

/** Headers curl adds on its own; a request that lacked them gets `-H 'Name:'`, which removes them. */
const CURL_DEFAULT_HEADERS = ['user-agent', 'accept'];
/** Added by curl for -d bodies unless the request names a content type. */
const CURL_BODY_DEFAULT = 'content-type';
/** A Host value that can be put into a URL authority as it is (no userinfo, path, query or fragment). */
const PLAIN_AUTHORITY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** An origin-form target curl sends unchanged when it is part of the URL (with --path-as-is). */
const PLAIN_ORIGIN_FORM = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/;

function hostOf(endpoint: Endpoint): string {
  return endpoint.address.includes(':') ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** A header line for -H: as sent (whitespace kept), folded lines joined, `Name;` for an empty value (curl's syntax). */
function headerArgument(request: HttpRequest, bytes: Uint8Array, index: number): string {
  const field = request.headers[index];
  if (field.value === '') return `${field.rawName.trimEnd()};`;
  if (field.continuations.length > 0) return `${field.rawName}: ${field.value}`;
  return latin1(bytes, field.line.offset, field.line.length);
}

/** What a curl command repeats, whichever HTTP version carried it. */
interface RequestParts {
  /** `--http1.1`, `--http2-prior-knowledge`, …: the version and how it was reached. */
  readonly protocol: string;
  readonly method: string;
  readonly target: string;
  /** The Host header or `:authority`. */
  readonly authority?: string;
  /** Field names (lower-case) and the -H argument of each, in the order sent. */
  readonly fields: readonly { readonly name: string; readonly argument: string }[];
  readonly body: Uint8Array;
}

function curlCommand(parts: RequestParts, options: CurlOptions): CurlCommand {
  const { method, target, body } = parts;
  const argv = ['curl', parts.protocol];
  if (method === 'HEAD') argv.push('--head');
  else if (!(method === 'GET' && body.length === 0)) argv.push('-X', method);

  const authority = parts.authority !== undefined && PLAIN_AUTHORITY.test(parts.authority) ? parts.authority : hostOf(options.server);
  const origin = `${options.scheme ?? 'http'}://${authority}`;
  let url: string;
  if (/^https?:\/\//i.test(target) && !/[\s\x00-\x1f\x7f-\xff]/.test(target)) {
    url = target; // absolute-form, as sent to a forward proxy
    argv.push('--proxy', `http://${hostOf(options.server)}`);
  } else if (PLAIN_ORIGIN_FORM.test(target)) {
    url = `${origin}${target}`;
    argv.push('--path-as-is');
  } else {
    // Asterisk- or authority-form, or bytes curl's URL parser would change: send the target as is.
    url = `${origin}/`;
    argv.push('--request-target', target);
  }

  const names = new Set(parts.fields.map((field) => field.name));
  let leftOut = 0;
  for (const { argument } of parts.fields) {
    // curl reads `-H @FILE` as a file of headers: a hostile line must not make it read local files.
    if (argument.startsWith('@') || argument.includes('\0')) leftOut++;
    else argv.push('-H', argument);
  }
  for (const name of CURL_DEFAULT_HEADERS) if (!names.has(name)) argv.push('-H', `${name === 'accept' ? 'Accept' : 'User-Agent'}:`);

  let stdin: Uint8Array | undefined;
  if (body.length > 0) {
    if (!names.has(CURL_BODY_DEFAULT)) argv.push('-H', 'Content-Type:');
    if (body.includes(0)) {
      stdin = body;
      argv.push('--data-binary', '@-');
    } else {
      argv.push('--data-raw', latin1(body, 0, body.length)); // --data-raw: a leading "@" is data, not a file name
    }
  }
  argv.push(url);
  const notes: string[] = [];
  if (leftOut > 0) notes.push(`${leftOut} header line${leftOut === 1 ? '' : 's'} left out: a NUL byte or a leading "@" cannot be passed to curl -H.`);
  if (argv.some((argument) => argument.includes('\0'))) notes.push('NUL bytes in the method or target left out: a command line cannot carry them.');
  return { argv: argv.map((argument) => argument.replace(/\0/g, '')), ...(stdin ? { stdin } : {}), ...(notes.length ? { notes } : {}) };
}

/** The argv of a curl command that repeats an HTTP/1.x `request` (`bytes` = the client-to-server payload it was parsed from). */
export function curlArgv(request: HttpRequest, bytes: Uint8Array, options: CurlOptions): CurlCommand {
  const { method, target, version } = request.requestLine;
  return curlCommand(
    {
      protocol: version === 'HTTP/1.0' ? '--http1.0' : '--http1.1',
      method,
      target,
      authority: request.headers.find((field) => field.name === 'host')?.value,
      fields: request.headers.map((field, index) => ({ name: field.name, argument: headerArgument(request, bytes, index) })),
      body: dechunk(bytes, request),
    },
    options,
  );
}

/**
 * The argv of a curl command that repeats an HTTP/2 request: pseudo-header fields become the
 * method and URL, the other fields -H lines as decoded, `body` its DATA. With prior knowledge
 * (h2c without an upgrade) curl must be told; over TLS ALPN picks h2.
 */
export function curlArgvHttp2(fields: readonly Http2Field[], body: Uint8Array, options: CurlOptions & { readonly priorKnowledge: boolean }): CurlCommand {
  const value = (name: string) => fields.find((field) => field.name === name)?.value;
  return curlCommand(
    {
      protocol: options.priorKnowledge ? '--http2-prior-knowledge' : '--http2',
      method: value(':method') ?? 'GET',
      target: value(':path') ?? '/',
      authority: value(':authority') ?? value('host'),
      fields: fields.filter((field) => !field.name.startsWith(':')).map((field) => ({ name: field.name.toLowerCase(), argument: field.value === '' ? `${field.name};` : `${field.name}: ${field.value}` })),
      body,
    },
    { ...options, scheme: value(':scheme') === 'https' ? 'https' : options.scheme },
  );
}

const SHELL_SAFE = /^[A-Za-z0-9_\-./:=@%+,]+$/;

/**
 * One argument as bash reads it back byte for byte: bare when harmless, in single quotes when
 * printable ASCII, else ANSI-C `$'…'` with every other byte as \xHH. Arguments are latin1
 * strings; NUL cannot be in an argv (callers keep it out).
 */
export function shellQuote(argument: string): string {
  if (SHELL_SAFE.test(argument)) return argument;
  if (/^[\x20-\x7e]*$/.test(argument)) return `'${argument.replace(/'/g, `'\\''`)}'`;
  let quoted = "$'";
  for (let i = 0; i < argument.length; i++) {
    const code = argument.charCodeAt(i);
    const char = argument[i];
    if (char === "'" || char === '\\') quoted += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) quoted += char;
    else quoted += `\\x${code.toString(16).padStart(2, '0')}`; // a following hex digit cannot extend it: \xHH takes two at most
  }
  return `${quoted}'`;
}

/** Bytes as a printf format that writes exactly them (octal escapes for all but plain ASCII, %% for %). */
function printfFormat(bytes: Uint8Array): string {
  let format = '';
  for (const byte of bytes) {
    if (byte === 0x25) format += '%%';
    else if (byte === 0x5c) format += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) format += String.fromCharCode(byte);
    else format += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return format;
}

/** The command line for bash: `curl …`, or `printf '…' | curl … --data-binary @-` for a body with NUL bytes. */
export function formatCurlCommand(command: CurlCommand): string {
  const line = command.argv.map(shellQuote).join(' ');
  const notes = (command.notes ?? []).map((note) => `# ${note}\n`).join('');
  return notes + (command.stdin ? `printf ${shellQuote(printfFormat(command.stdin))} | ${line}` : line);
}
