/**
 * An HTTP/1.x body as a person wants to read it: the chunk framing removed (from the chunks the
 * parser already found), then every coding undone in the reverse of the order it was applied
 * (RFC 9110 §8.4: Content-Encoding lists codings in application order; transfer codings other
 * than chunked, RFC 9112 §7, were applied after them). gzip/x-gzip, deflate (zlib-wrapped as
 * RFC 9110 §8.4.1.2 says, or raw as some servers send) and br come from node:zlib.
 *
 * Bodies are hostile: output is capped (a few kilobytes of gzip can inflate to gigabytes), and a
 * corrupt or cut stream yields what decoded before the error plus a sentence saying why. Nothing
 * here throws for bad bytes.
 */
import * as zlib from 'node:zlib';
import type { DecodedBodyKind } from '../../../protocol/model';
import { escapeDecodedText } from '../text/escapeText';
import { fragmentRange, type Http2Message } from '../http2/http2Conversation';
import { fieldsNamed, type HttpMessage } from './httpMessage';
import { transferCodings } from './parseHttpMessage';

/** The most a body may inflate to; beyond it the output is cut (decompression bombs). */
export const MAX_DECODED_BYTES = 16 * 1024 * 1024;
/** The most decoded text shown at once (the export writes the whole decoded body). */
export const MAX_SHOWN_CHARACTERS = 256 * 1024;
/** How many leading bytes of a binary body the hex preview gets. */
export const BINARY_PREVIEW_BYTES = 512;

export interface DecodeOptions {
  readonly maxBytes?: number;
}

export interface DecodedBody {
  /** The body as framed on the wire (framing included). */
  readonly wireLength: number;
  /** The body without chunk framing, every coding still applied. */
  readonly payload: Uint8Array;
  /** Codings in the order they were applied (content codings, then transfer codings but chunked). */
  readonly codings: readonly string[];
  /** The codings that were undone, in the order they were undone. */
  readonly undone: readonly string[];
  /** The body with every coding that could be undone undone; cut at the cap when `capped`. */
  readonly bytes: Uint8Array;
  readonly capped: boolean;
  readonly mediaType?: string;
  readonly charset?: string;
  /** Sentences: an incomplete body, a coding that failed or is unknown, the cap reached. */
  readonly notes: readonly string[];
}

/** The data bytes of a message body: chunk data concatenated, or the bytes as framed. */
export function dechunk(wire: Uint8Array, message: HttpMessage): Uint8Array {
  if (message.framing !== 'chunked') return wire.subarray(message.bodyOffset, message.bodyOffset + message.bodyLength);
  const parts = message.chunks
    .filter((chunk) => chunk.size > 0)
    .map((chunk) => wire.subarray(chunk.dataOffset, Math.min(chunk.dataOffset + chunk.size, message.end)));
  return Buffer.concat(parts);
}

/** `Content-Type: Application/JSON; charset="UTF-8"` → media type and charset, lower-cased. */
export function parseContentType(value: string | undefined): { mediaType?: string; charset?: string } {
  if (!value) return {};
  const [type, ...parameters] = value.split(';');
  const mediaType = type.trim().toLowerCase() || undefined;
  const charset = parameters
    .map((parameter) => /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(parameter)?.[1])
    .find((found) => found !== undefined)
    ?.toLowerCase();
  return { mediaType, ...(charset ? { charset } : {}) };
}

/** The codings Content-Encoding field values name, in order, without identity (HTTP/1.x and HTTP/2 alike). */
function contentCodings(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding.length > 0 && coding !== 'identity');
}

/** Content codings, then transfer codings other than chunked: the order the sender applied them. */
export function appliedCodings(message: HttpMessage): string[] {
  const content = contentCodings(fieldsNamed(message, 'content-encoding').map((field) => field.value));
  const transfer = transferCodings(message).filter((coding) => coding !== 'chunked' && coding !== 'identity');
  return [...content, ...transfer];
}

type Inflater = () => zlib.Gzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress;

/** RFC 1950 header: compression method 8 and a check value making the first two bytes a multiple of 31. */
function hasZlibHeader(data: Uint8Array): boolean {
  return data.length >= 2 && (data[0] & 0x0f) === 8 && ((data[0] << 8) | data[1]) % 31 === 0;
}

// Z_SYNC_FLUSH at the end: a body cut short by the capture yields what it holds instead of an error.
const ZLIB_PARTIAL = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

function inflaterFor(coding: string, data: Uint8Array): { inflater: Inflater; name: string } | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return { inflater: () => zlib.createGunzip(ZLIB_PARTIAL), name: coding };
    case 'deflate':
      return hasZlibHeader(data)
        ? { inflater: () => zlib.createInflate(ZLIB_PARTIAL), name: 'deflate' }
        : { inflater: () => zlib.createInflateRaw(ZLIB_PARTIAL), name: 'deflate (raw, without the zlib header)' };
    case 'br':
      return { inflater: () => zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }), name: 'br' };
    default:
      return undefined;
  }
}

interface Inflated {
  readonly bytes: Uint8Array;
  readonly capped: boolean;
  readonly error?: string;
}

/** Streams `data` through the inflater and stops reading once `cap` bytes came out. */
function inflate(make: Inflater, data: Uint8Array, cap: number): Promise<Inflated> {
  return new Promise((resolve) => {
    const stream = make();
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      const bytes = Buffer.concat(parts);
      resolve({ bytes: bytes.subarray(0, Math.min(bytes.length, cap)), capped: size > cap, ...(error ? { error } : {}) });
    };
    stream.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      size += chunk.length;
      if (size > cap) finish();
    });
    stream.on('error', (error: Error) => finish(error.message));
    stream.on('end', () => finish());
    stream.end(data);
  });
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}

/** A body as it came off the wire, before any decoding: what decodePayload needs to know. */
export interface BodySource {
  /** The body's data, framing removed (chunks joined, HTTP/2 DATA padding dropped), codings still applied. */
  readonly payload: Uint8Array;
  /** The body as framed on the wire (chunk lines, DATA frame headers included). */
  readonly wireLength: number;
  readonly complete: boolean;
  /** Codings in the order they were applied. */
  readonly codings: readonly string[];
  readonly contentType?: string;
}

/**
 * Decodes the body of an HTTP/1.x `message`, whose offsets address `wire` (its direction's payload).
 */
export function decodeBody(wire: Uint8Array, message: HttpMessage, options: DecodeOptions = {}): Promise<DecodedBody> {
  return decodePayload(
    { payload: dechunk(wire, message), wireLength: message.bodyLength, complete: message.complete, codings: appliedCodings(message), contentType: fieldsNamed(message, 'content-type')[0]?.value },
    options,
  );
}

/** The body of an HTTP/2 message (RFC 9113 §8.1): its DATA frames' payloads without padding, content codings from its fields. */
export function decodeHttp2Body(bytes: Uint8Array, message: Http2Message, options: DecodeOptions = {}): Promise<DecodedBody> {
  const fields = message.headers?.fields ?? [];
  const payload = Buffer.concat(message.data.map((frame) => bytes.subarray(...fragmentRange(bytes, frame))));
  const codings = contentCodings(fields.filter((field) => field.name === 'content-encoding').map((field) => field.value));
  return decodePayload(
    {
      payload,
      wireLength: message.data.reduce((sum, frame) => sum + 9 + frame.length, 0),
      complete: message.endStreamFrame !== undefined,
      codings,
      contentType: fields.find((field) => field.name === 'content-type')?.value,
    },
    options,
  );
}

/**
 * Undoes a body's codings last-applied first; the first one that cannot be undone stops the
 * chain, and the bytes are shown as they are at that point.
 */
export async function decodePayload(source: BodySource, options: DecodeOptions = {}): Promise<DecodedBody> {
  const cap = options.maxBytes ?? MAX_DECODED_BYTES;
  const notes: string[] = [];
  if (!source.complete) notes.push('The capture holds only part of this body.');
  const { payload, codings } = source;
  const { mediaType, charset } = parseContentType(source.contentType);
  let bytes: Uint8Array = payload;
  let capped = false;
  const undone: string[] = [];
  for (const coding of [...codings].reverse()) {
    if (capped) {
      notes.push(`${coding} was not undone: the layer below it was cut at ${mebibytes(cap)}.`);
      break;
    }
    const decoder = inflaterFor(coding, bytes);
    if (!decoder) {
      notes.push(`The ${coding} coding is not decoded here: the bytes are shown as received.`);
      break;
    }
    const result = await inflate(decoder.inflater, bytes, cap);
    if (result.error && result.bytes.length === 0) {
      notes.push(`${decoder.name} could not be decoded (${result.error}): the bytes are shown as received.`);
      break;
    }
    if (result.error) notes.push(`${decoder.name} stopped with an error after ${result.bytes.length} bytes (${result.error}).`);
    bytes = result.bytes;
    undone.push(decoder.name);
    if (result.capped) {
      capped = true;
      notes.push(`Decoding ${decoder.name} was truncated at ${mebibytes(cap)} (it inflates to more).`);
    }
  }
  return {
    wireLength: source.wireLength,
    payload,
    codings,
    undone,
    bytes,
    capped,
    ...(mediaType ? { mediaType } : {}),
    ...(charset ? { charset } : {}),
    notes,
  };
}

//#region presentation
export interface PresentedBody {
  readonly kind: DecodedBodyKind;
  /** json and text: escaped text, cut at MAX_SHOWN_CHARACTERS. */
  readonly text?: string;
  /** binary: the first bytes. */
  readonly preview?: Uint8Array;
  readonly notes: readonly string[];
}

export function isJsonMediaType(mediaType: string | undefined): boolean {
  return mediaType === 'application/json' || mediaType === 'text/json' || /^[a-z0-9.+-]+\/[a-z0-9.-]+\+json$/.test(mediaType ?? '');
}

const TEXT_MEDIA_TYPES = /^(text\/|application\/(xml|javascript|ecmascript|x-www-form-urlencoded|x-ndjson|graphql|sql|yaml|x-yaml|toml)$)|\+xml$/;

function isTextMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && TEXT_MEDIA_TYPES.test(mediaType);
}

/** Charsets that are one byte per character as far as a person reading is concerned. */
const SINGLE_BYTE = new Set(['iso-8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'windows-1252', 'cp1252', 'iso_8859-1']);

/** Text in `charset` (default UTF-8); a label TextDecoder does not know is read as latin1, and said so. */
function toText(bytes: Uint8Array, charset: string | undefined, notes: string[]): string {
  if (charset && SINGLE_BYTE.has(charset)) return new TextDecoder('latin1').decode(bytes);
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    notes.push(`The charset "${charset}" is not known here: the text is read as latin1.`);
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** No charset, no text media type: text if it is valid UTF-8 without control bytes other than whitespace. */
function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 4096);
  for (const byte of sample) if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? trimPartialUtf8(sample) : sample);
    return true;
  } catch {
    return false;
  }
}

/** A sample cut mid-character would fail the fatal check: drop an incomplete trailing sequence. */
function trimPartialUtf8(sample: Uint8Array): Uint8Array {
  let end = sample.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = sample[end - back];
    if ((byte & 0xc0) !== 0x80) {
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return need > back ? sample.subarray(0, end - back) : sample;
    }
  }
  return sample;
}

/**
 * JSON re-indented two spaces per level, token by token: strings and numbers stay exactly as
 * sent (JSON.parse would round 12345678901234567890). Call only on text JSON.parse accepted.
 */
export function prettyJson(text: string): string {
  let out = '';
  let depth = 0;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end;
    } else if (c === '{' || c === '[') {
      let next = i + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      if (text[next] === '}' || text[next] === ']') {
        out += c + text[next];
        i = next;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += ',' + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

/** `text` cut at MAX_SHOWN_CHARACTERS; `whole` is the length of the text it was made from. */
function cut(text: string, whole: number, notes: string[]): string {
  if (whole <= MAX_SHOWN_CHARACTERS) return text;
  notes.push(`Showing the first ${MAX_SHOWN_CHARACTERS / 1024} Ki characters of ${whole.toLocaleString('en-US')}; export the object for all of it.`);
  return text.slice(0, MAX_SHOWN_CHARACTERS);
}

/**
 * The decoded body as text, unescaped (exports write it as it is), when it is text: every coding
 * undone, and a JSON or text media type, a charset, or no media type and bytes that read as
 * UTF-8. Undefined for anything else.
 */
export function decodedText(body: DecodedBody, notes: string[] = []): string | undefined {
  if (body.undone.length < body.codings.length) return undefined;
  const textual = isJsonMediaType(body.mediaType) || isTextMediaType(body.mediaType) || body.charset !== undefined || (!body.mediaType && looksLikeText(body.bytes));
  return textual ? toText(body.bytes, body.charset, notes) : undefined;
}

/** How the stream view shows a decoded body: JSON pretty-printed, text as text, anything else as a hex preview. */
export function presentBody(body: DecodedBody): PresentedBody {
  const notes = [...body.notes];
  if (body.bytes.length === 0) return { kind: 'empty', notes };
  const text = decodedText(body, notes);
  if (text === undefined) return { kind: 'binary', preview: body.bytes.subarray(0, BINARY_PREVIEW_BYTES), notes };
  // Cut before re-indenting and escaping: a 16 MiB body is not shown whole, so it is not processed whole.
  if (isJsonMediaType(body.mediaType)) {
    try {
      JSON.parse(text);
      return { kind: 'json', text: escapeDecodedText(cut(prettyJson(text.slice(0, MAX_SHOWN_CHARACTERS)), text.length, notes)), notes };
    } catch (error) {
      notes.push(`Not valid JSON (${(error as Error).message}): shown as text.`);
    }
  }
  return { kind: 'text', text: escapeDecodedText(cut(text, text.length, notes)), notes };
}
//#endregion
