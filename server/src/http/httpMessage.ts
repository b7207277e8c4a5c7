/**
 * The parsed form of an HTTP/1.x message that keeps what proxies disagree about: every field
 * line as sent (name case, order, whitespace, line terminator) with its byte offsets in the
 * direction's reassembled payload.
 */

export type LineTerminator = 'crlf' | 'lf' | 'none';

export interface Line {
  /** Offset of the first byte of the line. */
  readonly offset: number;
  /** Length without the terminator. */
  readonly length: number;
  readonly terminator: LineTerminator;
  /** Offset just past the terminator. */
  readonly next: number;
}

export interface HeaderField {
  readonly line: Line;
  /** The field name exactly as sent (case kept; any whitespace before the colon kept too). */
  readonly rawName: string;
  /** rawName without trailing whitespace, lower-cased: what lookups compare. */
  readonly name: string;
  /** Value with surrounding whitespace removed, as latin1 text; obs-fold continuations joined with a space. */
  readonly value: string;
  /** Continuation lines folded into this field (obs-fold), if any. */
  readonly continuations: readonly Line[];
}

export type BodyFraming = 'none' | 'content-length' | 'chunked' | 'close-delimited';

export interface Chunk {
  /** The chunk-size line (size, extensions). */
  readonly sizeLine: Line;
  readonly size: number;
  readonly dataOffset: number;
}

/** Numbered, stable parse problems (llhttp style): rules and tests match on the code, not the text. */
export enum ParseIssueCode {
  HeaderLineWithoutColon = 1,
  InvalidContentLength = 2,
  InvalidChunkSize = 3,
  ChunkDataNotTerminated = 4,
  IncompleteHeaderSection = 5,
  IncompleteBody = 6,
  InvalidStartLine = 7,
}

export interface ParseIssue {
  readonly code: ParseIssueCode;
  readonly offset: number;
  readonly length: number;
}

export interface RequestLine {
  readonly method: string;
  readonly target: string;
  /** Empty for an HTTP/0.9-style request line without a version. */
  readonly version: string;
}

export interface StatusLine {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
}

interface MessageBase {
  readonly offset: number;
  /** Offset just past the message (its last body byte or its header section). */
  readonly end: number;
  readonly startLine: Line;
  readonly headers: readonly HeaderField[];
  /** Offset just past the empty line that ends the header section (where the body starts). */
  readonly headerSectionEnd: number;
  readonly framing: BodyFraming;
  /** The length the body was framed with, when framing is content-length. */
  readonly contentLength?: number;
  readonly bodyOffset: number;
  /** Bytes of the body as sent, chunk framing included. */
  readonly bodyLength: number;
  readonly chunks: readonly Chunk[];
  /** Trailer fields after the last chunk (chunked framing only). */
  readonly trailers: readonly HeaderField[];
  /** False when the capture ended before the message did. */
  readonly complete: boolean;
  readonly issues: readonly ParseIssue[];
}

export interface HttpRequest extends MessageBase {
  readonly kind: 'request';
  readonly requestLine: RequestLine;
}

export interface HttpResponse extends MessageBase {
  readonly kind: 'response';
  readonly statusLine: StatusLine;
}

export type HttpMessage = HttpRequest | HttpResponse;

/** All fields with this name, compared case-insensitively as RFC 9110 §5.1 says names are. */
export function fieldsNamed(message: HttpMessage, name: string): HeaderField[] {
  const wanted = name.toLowerCase();
  return message.headers.filter((field) => field.name === wanted);
}
