/**
 * The strict HTTP/1.x parser, llhttp style: each case is data (raw bytes in; start line, field
 * lines with offsets, framing, body and issue codes out), plus properties checked on arbitrary
 * and mutated input with a fixed seed.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseHttpConversation, type HttpConversation } from '../../../server/src/http/httpConversation';
import {
  ParseIssueCode,
  type BodyFraming,
  type HttpMessage,
  type LineTerminator,
} from '../../../server/src/http/httpMessage';
import { parseHttpMessage, type ResponseContext } from '../../../server/src/http/parseHttpMessage';
import { httpFuzzProperties } from '../../fuzz/httpFuzz';
import { bytes, text } from '../helpers';

/** [offset, length, terminator] of a line, terminator excluded from the length. */
type LineAt = readonly [number, number, LineTerminator];

interface ExpectedField {
  readonly rawName: string;
  readonly name: string;
  readonly value: string;
  readonly line: LineAt;
  readonly continuations?: readonly LineAt[];
}

interface ExpectedMessage {
  readonly offset: number;
  readonly startLine: LineAt;
  readonly request?: { method: string; target: string; version: string };
  readonly status?: { version: string; status: number; reason: string };
  readonly headers: readonly ExpectedField[];
  readonly headerSectionEnd: number;
  readonly framing: BodyFraming;
  /** The declared length, for content-length framing. */
  readonly contentLength?: number;
  readonly bodyLength: number;
  /** Offset just past the message; also the `next` the parser returns. */
  readonly end: number;
  readonly complete: boolean;
  /** [size, offset of the size line, data offset] per chunk. */
  readonly chunks?: readonly (readonly [number, number, number])[];
  /** Trailer fields as `rawName: value` with the offset of their line. */
  readonly trailers?: readonly (readonly [string, number])[];
  readonly issues: readonly (readonly [ParseIssueCode, number, number])[];
}

interface ParseCase {
  readonly name: string;
  readonly raw: string;
  readonly kind: 'request' | 'response';
  readonly context?: ResponseContext;
  readonly offset?: number;
  readonly expected: ExpectedMessage | { readonly stop: 'not-http' | 'incomplete'; readonly offset: number };
}

const CASES: readonly ParseCase[] = [
  {
    name: 'request with CRLF lines',
    raw: 'GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 28, 'crlf'],
      request: { method: 'GET', target: '/index.html?q=1', version: 'HTTP/1.1' },
      headers: [
        { rawName: 'Host', name: 'host', value: 'example.com', line: [30, 17, 'crlf'] },
        { rawName: 'Accept', name: 'accept', value: '*/*', line: [49, 11, 'crlf'] },
      ],
      headerSectionEnd: 64,
      framing: 'none',
      bodyLength: 0,
      end: 64,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'request with bare LF lines (leniency recorded per line, not guessed away)',
    raw: 'GET / HTTP/1.1\nHost: a\nAccept: */*\n\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 14, 'lf'],
      request: { method: 'GET', target: '/', version: 'HTTP/1.1' },
      headers: [
        { rawName: 'Host', name: 'host', value: 'a', line: [15, 7, 'lf'] },
        { rawName: 'Accept', name: 'accept', value: '*/*', line: [23, 11, 'lf'] },
      ],
      headerSectionEnd: 36,
      framing: 'none',
      bodyLength: 0,
      end: 36,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'response mixing CRLF and bare LF',
    raw: 'HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\nContent-Length: 0\r\n\r\n',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [
        { rawName: 'A', name: 'a', value: '1', line: [17, 4, 'lf'] },
        { rawName: 'B', name: 'b', value: '2', line: [22, 4, 'crlf'] },
        { rawName: 'Content-Length', name: 'content-length', value: '0', line: [28, 17, 'crlf'] },
      ],
      headerSectionEnd: 49,
      framing: 'content-length',
      contentLength: 0,
      bodyLength: 0,
      end: 49,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'field name case, order and whitespace are kept',
    raw: 'GET / HTTP/1.1\r\nX-UPPER: A\r\nx-lower:b\r\nSpaced \t:  v  w \t\r\nEmpty:\r\nHost: h\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 14, 'crlf'],
      request: { method: 'GET', target: '/', version: 'HTTP/1.1' },
      headers: [
        { rawName: 'X-UPPER', name: 'x-upper', value: 'A', line: [16, 10, 'crlf'] },
        { rawName: 'x-lower', name: 'x-lower', value: 'b', line: [28, 9, 'crlf'] },
        { rawName: 'Spaced \t', name: 'spaced', value: 'v  w', line: [39, 17, 'crlf'] },
        { rawName: 'Empty', name: 'empty', value: '', line: [58, 6, 'crlf'] },
        { rawName: 'Host', name: 'host', value: 'h', line: [66, 7, 'crlf'] },
      ],
      headerSectionEnd: 77,
      framing: 'none',
      bodyLength: 0,
      end: 77,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'Content-Length body ends exactly where the next message starts',
    raw: 'POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 21, 'crlf'],
      request: { method: 'POST', target: '/submit', version: 'HTTP/1.1' },
      headers: [
        { rawName: 'Host', name: 'host', value: 'h', line: [23, 7, 'crlf'] },
        { rawName: 'Content-Length', name: 'content-length', value: '5', line: [32, 17, 'crlf'] },
      ],
      headerSectionEnd: 53,
      framing: 'content-length',
      contentLength: 5,
      bodyLength: 5,
      end: 58,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'second message of a buffer, parsed from its offset',
    raw: 'POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n',
    kind: 'request',
    offset: 58,
    expected: {
      offset: 58,
      startLine: [58, 14, 'crlf'],
      request: { method: 'GET', target: '/', version: 'HTTP/1.1' },
      headers: [],
      headerSectionEnd: 76,
      framing: 'none',
      bodyLength: 0,
      end: 76,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'empty lines before a request are skipped (RFC 9112 §2.2)',
    raw: '\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 4,
      startLine: [4, 14, 'crlf'],
      request: { method: 'GET', target: '/', version: 'HTTP/1.1' },
      headers: [{ rawName: 'Host', name: 'host', value: 'h', line: [20, 7, 'crlf'] }],
      headerSectionEnd: 31,
      framing: 'none',
      bodyLength: 0,
      end: 31,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'chunked body with chunk extensions and a trailer section',
    raw:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Expires\r\n\r\n' +
      '4;name=value\r\nWiki\r\n5 ; x="y"\r\npedia\r\n0\r\nExpires: never\r\n\r\nHTTP',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [
        { rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'chunked', line: [17, 26, 'crlf'] },
        { rawName: 'Trailer', name: 'trailer', value: 'Expires', line: [45, 16, 'crlf'] },
      ],
      headerSectionEnd: 65,
      framing: 'chunked',
      bodyLength: 124 - 65,
      end: 124,
      complete: true,
      chunks: [
        [4, 65, 79],
        [5, 85, 96],
        [0, 103, 106],
      ],
      trailers: [['Expires: never', 106]],
      issues: [],
    },
  },
  {
    name: 'close-delimited response runs to the end of the bytes',
    raw: 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall the rest\r\n\r\nof it',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.0', status: 200, reason: 'OK' },
      headers: [{ rawName: 'Content-Type', name: 'content-type', value: 'text/plain', line: [17, 24, 'crlf'] }],
      headerSectionEnd: 45,
      framing: 'close-delimited',
      bodyLength: 21,
      end: 66,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'response whose last transfer coding is not chunked is close-delimited',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw gzip bytes',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [{ rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'chunked, gzip', line: [17, 32, 'crlf'] }],
      headerSectionEnd: 53,
      framing: 'close-delimited',
      bodyLength: 14,
      end: 67,
      complete: true,
      issues: [],
    },
  },
  {
    name: 'header section cut off at the end of the capture',
    raw: 'GET / HTTP/1.1\r\nHost: h\r\nAcc',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 14, 'crlf'],
      request: { method: 'GET', target: '/', version: 'HTTP/1.1' },
      headers: [],
      headerSectionEnd: 28,
      framing: 'none',
      bodyLength: 0,
      end: 28,
      complete: false,
      issues: [[ParseIssueCode.IncompleteHeaderSection, 0, 28]],
    },
  },
  {
    name: 'Content-Length body cut off at the end of the capture',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [{ rawName: 'Content-Length', name: 'content-length', value: '10', line: [17, 18, 'crlf'] }],
      headerSectionEnd: 39,
      framing: 'content-length',
      contentLength: 10,
      bodyLength: 3,
      end: 42,
      complete: false,
      issues: [[ParseIssueCode.IncompleteBody, 39, 3]],
    },
  },
  {
    name: 'chunked body cut off inside chunk data',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [{ rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'chunked', line: [17, 26, 'crlf'] }],
      headerSectionEnd: 47,
      framing: 'chunked',
      bodyLength: 5,
      end: 52,
      complete: false,
      chunks: [[5, 47, 50]],
      // A truncated chunked body is reported by `complete: false` only (IncompleteBody is for
      // Content-Length framing; chunked problems have their own codes).
      issues: [],
    },
  },
  {
    name: 'invalid chunk size (HTTP-Evader "fx") stops the body with an issue on the size line',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfx\r\nxxxxx\r\n0\r\n\r\n',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [{ rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'chunked', line: [17, 26, 'crlf'] }],
      headerSectionEnd: 47,
      framing: 'chunked',
      bodyLength: 63 - 47,
      end: 63,
      complete: false,
      chunks: [],
      issues: [[ParseIssueCode.InvalidChunkSize, 47, 2]],
    },
  },
  {
    name: 'chunk size 2^64 is invalid, not wrapped to 0 (zeek 261 variant 01)',
    raw: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nGET /smuggled HTTP/1.1\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      request: { method: 'POST', target: '/', version: 'HTTP/1.1' },
      headers: [
        { rawName: 'Host', name: 'host', value: 'h', line: [17, 7, 'crlf'] },
        { rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'chunked', line: [26, 26, 'crlf'] },
      ],
      headerSectionEnd: 56,
      framing: 'chunked',
      bodyLength: 101 - 56,
      end: 101,
      complete: false,
      chunks: [],
      issues: [[ParseIssueCode.InvalidChunkSize, 56, 17]],
    },
  },
  {
    name: 'chunk data not followed by CRLF',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [{ rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'chunked', line: [17, 26, 'crlf'] }],
      headerSectionEnd: 47,
      framing: 'chunked',
      bodyLength: 61 - 47,
      end: 61,
      complete: true,
      chunks: [
        [3, 47, 50],
        [0, 56, 59],
      ],
      issues: [[ParseIssueCode.ChunkDataNotTerminated, 53, 1]],
    },
  },
  {
    name: 'obs-fold: a continuation line joins the previous field (zeek 261 variant 09)',
    raw: 'POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\nHost: h\r\n\r\n0\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      request: { method: 'POST', target: '/', version: 'HTTP/1.1' },
      headers: [
        {
          rawName: 'Transfer-Encoding',
          name: 'transfer-encoding',
          value: 'chunked',
          line: [17, 18, 'crlf'],
          continuations: [[37, 8, 'crlf']],
        },
        { rawName: 'Host', name: 'host', value: 'h', line: [47, 7, 'crlf'] },
      ],
      headerSectionEnd: 58,
      framing: 'chunked',
      bodyLength: 5,
      end: 63,
      complete: true,
      chunks: [[0, 58, 61]],
      issues: [],
    },
  },
  {
    name: 'Transfer-Encoding twice, differing in case: one field, framing chunked',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    kind: 'response',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      status: { version: 'HTTP/1.1', status: 200, reason: 'OK' },
      headers: [
        { rawName: 'Transfer-Encoding', name: 'transfer-encoding', value: 'Chunked', line: [17, 26, 'crlf'] },
        { rawName: 'transfer-encoding', name: 'transfer-encoding', value: 'chunked', line: [45, 26, 'crlf'] },
      ],
      headerSectionEnd: 75,
      framing: 'chunked',
      bodyLength: 12,
      end: 87,
      complete: true,
      chunks: [
        [2, 75, 78],
        [0, 82, 85],
      ],
      issues: [],
    },
  },
  {
    name: 'field line without a colon is reported and skipped',
    raw: 'GET / HTTP/1.1\r\nHost: h\r\nno colon here\r\n\r\n',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 14, 'crlf'],
      request: { method: 'GET', target: '/', version: 'HTTP/1.1' },
      headers: [{ rawName: 'Host', name: 'host', value: 'h', line: [16, 7, 'crlf'] }],
      headerSectionEnd: 42,
      framing: 'none',
      bodyLength: 0,
      end: 42,
      complete: true,
      issues: [[ParseIssueCode.HeaderLineWithoutColon, 25, 13]],
    },
  },
  {
    name: 'conflicting Content-Length values: body not framed, each line reported',
    raw: 'POST / HTTP/1.1\r\nContent-Length: 11\r\nContent-Length: 93\r\n\r\nhello world',
    kind: 'request',
    expected: {
      offset: 0,
      startLine: [0, 15, 'crlf'],
      request: { method: 'POST', target: '/', version: 'HTTP/1.1' },
      headers: [
        { rawName: 'Content-Length', name: 'content-length', value: '11', line: [17, 18, 'crlf'] },
        { rawName: 'Content-Length', name: 'content-length', value: '93', line: [37, 18, 'crlf'] },
      ],
      headerSectionEnd: 59,
      framing: 'none',
      bodyLength: 0,
      end: 59,
      complete: true,
      issues: [
        [ParseIssueCode.InvalidContentLength, 17, 18],
        [ParseIssueCode.InvalidContentLength, 37, 18],
      ],
    },
  },
  { name: 'TLS bytes are not HTTP', raw: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', kind: 'request', expected: { stop: 'not-http', offset: 0 } },
  { name: 'SSH banner is not HTTP', raw: 'SSH-2.0-OpenSSH_9.2\r\n', kind: 'response', expected: { stop: 'not-http', offset: 0 } },
  { name: 'request line cut off before its LF', raw: 'GET / HTTP/1.1', kind: 'request', expected: { stop: 'incomplete', offset: 0 } },
  { name: 'status line cut off before its LF', raw: 'HTTP/1.1 200 O', kind: 'response', expected: { stop: 'incomplete', offset: 0 } },
  { name: 'a version-less line whose method is not a token is not a request', raw: 'G(T /\r\n\r\n', kind: 'request', expected: { stop: 'not-http', offset: 0 } },
];

function lineAt(line: { offset: number; length: number; terminator: LineTerminator }): LineAt {
  return [line.offset, line.length, line.terminator];
}

function check(input: Uint8Array, message: HttpMessage, next: number, expected: ExpectedMessage): void {
  assert.equal(message.offset, expected.offset, 'offset');
  assert.deepEqual(lineAt(message.startLine), expected.startLine, 'start line');
  if (expected.request) {
    assert.equal(message.kind, 'request');
    assert.deepEqual(message.kind === 'request' && message.requestLine, expected.request);
  } else {
    assert.equal(message.kind, 'response');
    assert.deepEqual(message.kind === 'response' && message.statusLine, expected.status);
  }
  assert.deepEqual(
    message.headers.map((field) => ({
      rawName: field.rawName,
      name: field.name,
      value: field.value,
      line: lineAt(field.line),
      ...(field.continuations.length > 0 ? { continuations: field.continuations.map(lineAt) } : {}),
    })),
    expected.headers,
    'field lines',
  );
  // The offsets point at the field as sent (checked against the input, not the parser).
  for (const field of message.headers) assert.ok(text(input, field.line.offset, field.line.length).startsWith(`${field.rawName}:`));
  assert.equal(message.headerSectionEnd, expected.headerSectionEnd, 'header section end');
  assert.equal(message.framing, expected.framing, 'framing');
  assert.equal(message.contentLength, expected.contentLength, 'content length');
  assert.equal(message.bodyOffset, expected.headerSectionEnd, 'body offset');
  assert.equal(message.bodyLength, expected.bodyLength, 'body length');
  assert.equal(message.end, expected.end, 'end');
  assert.equal(next, expected.end, 'next');
  assert.equal(message.complete, expected.complete, 'complete');
  assert.deepEqual(message.chunks.map((c) => [c.size, c.sizeLine.offset, c.dataOffset]), expected.chunks ?? [], 'chunks');
  assert.deepEqual(message.trailers.map((f) => [`${f.rawName}: ${f.value}`, f.line.offset]), expected.trailers ?? [], 'trailers');
  assert.deepEqual(message.issues.map((i) => [i.code, i.offset, i.length]), expected.issues, 'issues');
}

describe('parseHttpMessage', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const input = bytes(c.raw);
      const outcome = parseHttpMessage(input, c.offset ?? 0, c.kind, c.context);
      if ('stop' in c.expected) {
        assert.deepEqual(outcome, c.expected);
        return;
      }
      assert.ok('message' in outcome, `expected a message, got ${JSON.stringify(outcome)}`);
      check(input, outcome.message, outcome.next, c.expected);
    });
  }

  it('trims a long run of blanks in linear time (packet bytes choose the run)', function () {
    // /[ \t]+$/ on 100k blanks followed by a non-blank takes V8 ~8 s; a loop takes ms.
    this.timeout(5000);
    const blanks = ' '.repeat(100_000);
    const input = bytes(`GET / HTTP/1.1\r\nX-Pad: a${blanks}b${blanks}\r\nName${blanks}x${blanks}: v\r\n\r\n`);
    const outcome = parseHttpMessage(input, 0, 'request');
    assert.ok('message' in outcome);
    assert.equal(outcome.message.headers[0].value, `a${blanks}b`);
    assert.equal(outcome.message.headers[1].name, `name${blanks}x`);
    assert.equal(outcome.next, input.length);
  });
});

interface ConversationCase {
  readonly name: string;
  readonly client: string;
  readonly server: string;
  readonly protocol: HttpConversation['protocol'];
  readonly requests: readonly (readonly [method: string, target: string, offset: number, end: number])[];
  readonly responses: readonly (readonly [status: number, framing: BodyFraming, bodyLength: number, offset: number, end: number])[];
  /** Per exchange: request target (or null), interim statuses, final status (or null). */
  readonly exchanges: readonly (readonly [string | null, readonly number[], number | null])[];
  readonly stops: HttpConversation['stops'];
}

const CONVERSATIONS: readonly ConversationCase[] = [
  {
    name: 'HEAD response has no body even with Content-Length',
    client: 'HEAD /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
    server: 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    protocol: 'http',
    requests: [
      ['HEAD', '/a', 0, 29],
      ['GET', '/b', 29, 57],
    ],
    responses: [
      [200, 'none', 0, 0, 41],
      [200, 'content-length', 2, 41, 81],
    ],
    exchanges: [
      ['/a', [], 200],
      ['/b', [], 200],
    ],
    stops: [],
  },
  {
    name: '204 and 304 responses have no body even when they declare one',
    client: 'DELETE /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\nGET /z HTTP/1.1\r\n\r\n',
    server:
      'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz',
    protocol: 'http',
    requests: [
      ['DELETE', '/x', 0, 22],
      ['GET', '/y', 22, 41],
      ['GET', '/z', 41, 60],
    ],
    responses: [
      [204, 'none', 0, 0, 47],
      [304, 'none', 0, 47, 104],
      [200, 'content-length', 1, 104, 143],
    ],
    exchanges: [
      ['/x', [], 204],
      ['/y', [], 304],
      ['/z', [], 200],
    ],
    stops: [],
  },
  {
    name: '1xx interim responses have no body and attach to the next final response',
    client: 'POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi',
    server: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
    protocol: 'http',
    requests: [['POST', '/up', 0, 64]],
    responses: [
      [100, 'none', 0, 0, 25],
      [103, 'none', 0, 25, 69],
      [201, 'content-length', 0, 69, 112],
    ],
    exchanges: [['/up', [100, 103], 201]],
    stops: [],
  },
  {
    name: '101 Switching Protocols ends HTTP parsing of the server side',
    client: 'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x85\x37\xfa\x21\x3d',
    server: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello',
    protocol: 'http',
    requests: [['GET', '/chat', 0, 63]],
    responses: [[101, 'none', 0, 0, 77]],
    exchanges: [['/chat', [], 101]],
    stops: [
      { direction: 'client-to-server', offset: 63, reason: 'not-http' },
      { direction: 'server-to-client', offset: 77, reason: 'switched-protocols' },
    ],
  },
  {
    name: 'a 2xx answer to CONNECT is a tunnel: the bytes after it are not its body',
    client: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01hello',
    server: 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03tls-bytes',
    protocol: 'http',
    requests: [['CONNECT', 'example.com:443', 0, 59]],
    responses: [[200, 'none', 0, 0, 39]],
    exchanges: [['example.com:443', [], 200]],
    stops: [
      { direction: 'client-to-server', offset: 59, reason: 'not-http' },
      { direction: 'server-to-client', offset: 39, reason: 'tunnel' },
    ],
  },
  {
    name: 'pipelined requests in one segment pair with responses in order',
    client: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nPOST /3 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc',
    server:
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1' +
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n2\r\n0\r\n\r\n' +
      'HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\n3',
    protocol: 'http',
    requests: [
      ['GET', '/1', 0, 28],
      ['GET', '/2', 28, 56],
      ['POST', '/3', 56, 98],
    ],
    responses: [
      [200, 'content-length', 1, 0, 39],
      [404, 'chunked', 11, 39, 104],
      [500, 'content-length', 1, 104, 145],
    ],
    exchanges: [
      ['/1', [], 200],
      ['/2', [], 404],
      ['/3', [], 500],
    ],
    stops: [],
  },
  {
    name: 'request without response, and a response cut off mid-header',
    client: 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n',
    server: 'HTTP/1.1 200 OK\r\nContent-Len',
    protocol: 'http',
    requests: [
      ['GET', '/1', 0, 19],
      ['GET', '/2', 19, 38],
    ],
    responses: [[200, 'none', 0, 0, 28]],
    exchanges: [
      ['/1', [], 200],
      ['/2', [], null],
    ],
    stops: [],
  },
  {
    name: 'not HTTP in either direction',
    client: 'SSH-2.0-OpenSSH_9.2\r\n',
    server: 'SSH-2.0-OpenSSH_8.4\r\n',
    protocol: 'tcp',
    requests: [],
    responses: [],
    exchanges: [],
    stops: [
      { direction: 'client-to-server', offset: 0, reason: 'not-http' },
      { direction: 'server-to-client', offset: 0, reason: 'not-http' },
    ],
  },
  { name: 'no bytes at all', client: '', server: '', protocol: 'empty', requests: [], responses: [], exchanges: [], stops: [] },
];

describe('parseHttpConversation', () => {
  for (const c of CONVERSATIONS) {
    it(c.name, () => {
      const conversation = parseHttpConversation(bytes(c.client), bytes(c.server));
      assert.equal(conversation.protocol, c.protocol);
      assert.deepEqual(
        conversation.requests.map((r) => [r.requestLine.method, r.requestLine.target, r.offset, r.end]),
        c.requests,
      );
      assert.deepEqual(
        conversation.responses.map((r) => [r.statusLine.status, r.framing, r.bodyLength, r.offset, r.end]),
        c.responses,
      );
      assert.deepEqual(
        conversation.exchanges.map((e) => [
          e.request?.requestLine.target ?? null,
          e.interim.map((r) => r.statusLine.status),
          e.response?.statusLine.status ?? null,
        ]),
        c.exchanges,
      );
      assert.deepEqual(conversation.stops, c.stops);
    });
  }
});

describe('parser properties (seeded, small run; npm run fuzz runs 100k+)', () => {
  for (const property of httpFuzzProperties()) {
    it(property.name, () => fc.assert(property.check, { seed: 42, numRuns: 1000 }));
  }
});

/**
 * Start lines are matched leniently so malformed ones reach the rules (invalid-request-line,
 * invalid-status-line, unknown-http-version): [raw start line, kind, [first, second, third]] or
 * 'not-http' when the line does not resemble HTTP at all.
 */
const START_LINES: readonly (readonly [string, 'request' | 'response', readonly [string, string, string] | 'not-http'])[] = [
  ['GET / HTTP/1.1', 'request', ['GET', '/', 'HTTP/1.1']],
  ['GET  /a\tHTTP/1.1  ', 'request', ['GET', '/a', 'HTTP/1.1']],
  ['G(T / HTTP/1.1', 'request', ['G(T', '/', 'HTTP/1.1']],
  ['GET HTTP/1.1', 'request', ['GET', '', 'HTTP/1.1']],
  ['GET /a b HTTP/1.1', 'request', ['GET', '/a b', 'HTTP/1.1']],
  ['GET / http/1.1', 'request', ['GET', '/', 'http/1.1']],
  ['GET / HTTP/1.10', 'request', ['GET', '/', 'HTTP/1.10']],
  ['GET / HTTP/1.1\r', 'request', ['GET', '/', 'HTTP/1.1']],
  ['GET /a\xa0b HTTP/1.1', 'request', ['GET', '/a\xa0b', 'HTTP/1.1']],
  ['GET /index.html', 'request', ['GET', '/index.html', '']],
  ['SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1', 'request', 'not-http'],
  ['GET / HTTP/1.1 extra', 'request', 'not-http'],
  [' GET / HTTP/1.1', 'request', 'not-http'],
  ['HTTP/1.1 200 OK', 'response', ['HTTP/1.1', '200', 'OK']],
  ['HTTP/1.1  200  Not Found', 'response', ['HTTP/1.1', '200', ' Not Found']],
  ['HTTP/1.1 200', 'response', ['HTTP/1.1', '200', '']],
  ['HTTP/1.1 200OK', 'response', ['HTTP/1.1', '200', 'OK']],
  ['HTTP/1.1 2000 OK', 'response', ['HTTP/1.1', '2000', 'OK']],
  ['http/1.1 200 OK', 'response', ['http/1.1', '200', 'OK']],
  ['HTTP/1.1 200 O\rK\r', 'response', ['HTTP/1.1', '200', 'O\rK']],
  ['HTTP/1.1 OK', 'response', 'not-http'],
  ['HTTP/1.1', 'response', 'not-http'],
  ['ICY 200 OK', 'response', 'not-http'],
];

describe('parseHttpMessage: lenient start lines', () => {
  for (const [line, kind, expected] of START_LINES) {
    it(`${kind} ${JSON.stringify(line)} → ${expected === 'not-http' ? 'not HTTP' : JSON.stringify(expected)}`, () => {
      const outcome = parseHttpMessage(bytes(`${line}\r\n\r\n`), 0, kind);
      if (expected === 'not-http') {
        assert.deepEqual(outcome, { stop: 'not-http', offset: 0 });
        return;
      }
      assert.ok('message' in outcome, JSON.stringify(outcome));
      const { message } = outcome;
      assert.deepEqual(lineAt(message.startLine), [0, line.length, 'crlf']);
      const fields =
        message.kind === 'request'
          ? [message.requestLine.method, message.requestLine.target, message.requestLine.version]
          : [message.statusLine.version, String(message.statusLine.status), message.statusLine.reason];
      assert.deepEqual(fields, expected);
    });
  }

  it('keeps a long run of blanks linear (no backtracking on packet-chosen input)', () => {
    const line = `GET /${' '.repeat(200_000)}x`;
    const started = Date.now();
    assert.deepEqual(parseHttpMessage(bytes(`${line}\r\n\r\n`), 0, 'request'), { stop: 'not-http', offset: 0 });
    assert.ok(Date.now() - started < 1000);
  });
});
