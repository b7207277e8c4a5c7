/**
 * Property checks for the HTTP parser and the rule catalogue, shared by the unit suite (a small
 * seeded run) and `npm run fuzz` (100k+ cases each). Inputs: arbitrary bytes, HTTP-ish
 * fragments glued together, and valid messages (the catalogue's own examples plus clean ones)
 * mutated by flips, inserts, deletes and truncation. Nothing may throw, offsets must stay
 * inside the input and in wire order, and every rule must return findings inside the bytes.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { findRuleViolations } from '../../server/src/analysis/findRuleViolations';
import { parseHttpConnection, parseHttpConversation } from '../../server/src/http/httpConversation';
import type { HttpMessage } from '../../server/src/http/httpMessage';
import { parseHttpMessage } from '../../server/src/http/parseHttpMessage';
import { ALL_RULES } from '../../server/src/rules';
import { bytes } from '../unit/helpers';
import { connectionOf } from '../unit/rules/ruleTestKit';

/** Clean messages to mutate, besides the catalogue's examples of broken ones. */
const CLEAN = [
  'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n',
  'POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nbody until close',
];

const SEEDS_OF_VALID = [...CLEAN, ...ALL_RULES.flatMap((rule) => [rule.example?.request, rule.example?.response]).filter((x): x is string => !!x)];

function assertWellFormed(message: HttpMessage, length: number, from: number): void {
  const where = `message at ${message.offset}`;
  assert.ok(from <= message.offset, `${where} starts before ${from}`);
  assert.ok(message.offset <= message.startLine.offset && message.startLine.offset <= message.startLine.next, where);
  assert.ok(message.startLine.next <= message.headerSectionEnd, `${where}: start line past header section`);
  assert.ok(message.headerSectionEnd === message.bodyOffset, where);
  assert.ok(message.bodyOffset + message.bodyLength === message.end, `${where}: body does not end at end`);
  assert.ok(message.bodyLength >= 0 && message.end <= length, `${where}: ends past the input (${message.end} > ${length})`);
  let previous = message.startLine.next;
  for (const field of message.headers) {
    for (const line of [field.line, ...field.continuations]) {
      assert.ok(line.offset >= previous, `${where}: field lines out of order`);
      assert.ok(line.offset + line.length <= line.next && line.next <= message.headerSectionEnd, `${where}: field line outside header section`);
      previous = line.next;
    }
  }
  let chunkFrom = message.bodyOffset;
  for (const chunk of message.chunks) {
    assert.ok(chunk.sizeLine.offset >= chunkFrom && chunk.dataOffset === chunk.sizeLine.next, `${where}: chunks out of order`);
    assert.ok(chunk.dataOffset <= message.end, `${where}: chunk past the end`);
    chunkFrom = chunk.dataOffset + chunk.size;
  }
  for (const field of message.trailers) {
    assert.ok(field.line.offset >= chunkFrom && field.line.next <= message.end, `${where}: trailer outside the body`);
  }
  for (const issue of message.issues) {
    assert.ok(issue.offset >= message.offset && issue.length >= 0 && issue.offset + issue.length <= length, `${where}: issue outside the input`);
  }
}

function assertConversationWellFormed(client: Uint8Array, server: Uint8Array): void {
  const conversation = parseHttpConversation(client, server);
  for (const [messages, length] of [
    [conversation.requests, client.length],
    [conversation.responses, server.length],
  ] as const) {
    let from = 0;
    for (const message of messages) {
      assertWellFormed(message, length, from);
      assert.ok(message.end > message.offset || message.end === length, 'a message that consumes nothing would loop');
      from = message.end;
    }
  }
  for (const stop of conversation.stops) {
    const length = stop.direction === 'client-to-server' ? client.length : server.length;
    assert.ok(stop.offset >= 0 && stop.offset <= length, `stop outside the input: ${JSON.stringify(stop)}`);
  }
}

/** Fragments that steer random input into the parser's interesting paths. */
const HTTP_PIECES = [
  'GET / HTTP/1.1', 'HTTP/1.1 200 OK', 'HTTP/1.0 101 x', 'HEAD /', 'CONNECT h:1 HTTP/1.1', 'HTTP/1.1 100 Continue',
  '\r\n', '\n', '\r', ' ', '\t', ':', ';', ',', 'Transfer-Encoding', 'transfer-encoding', 'Content-Length', 'chunked', 'gzip',
  '0', '1', '5', 'a', 'ff', '10000000000000000', 'x', '\x00', '\xff', 'Host: h',
];


type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

function mutate(input: string, mutations: readonly Mutation[]): string {
  let out = input;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'flip') out = out.slice(0, at) + String.fromCharCode(m.byte) + out.slice(at + 1);
    else if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.count);
    else out = out.slice(0, at);
  }
  return out;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...HTTP_PIECES) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);


export interface FuzzProperty {
  readonly name: string;
  readonly check: fc.IPropertyWithHooks<never> | fc.IProperty<unknown>;
}

const latin1String = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1'));
const httpish = fc.array(fc.constantFrom(...HTTP_PIECES), { maxLength: 60 }).map((parts) => parts.join(''));
const mutated = fc
  .tuple(fc.constantFrom(...SEEDS_OF_VALID), fc.constantFrom(...SEEDS_OF_VALID), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([a, b, mutations]) => mutate(a + b, mutations));

/** The rules on a mutated exchange: no throw, every finding inside its direction's bytes. */
function assertRulesStayInside(client: string, server: string): void {
  const connection = connectionOf([
    ...(client ? [{ from: 'client' as const, data: client }] : []),
    ...(server ? [{ from: 'server' as const, data: server }] : []),
  ]);
  const http = parseHttpConnection(connection);
  for (const finding of findRuleViolations(connection, http, ALL_RULES)) {
    const length = finding.direction === 'client-to-server' ? connection.clientToServer.bytes.length : connection.serverToClient.bytes.length;
    assert.ok(finding.offset >= 0 && finding.length >= 0 && finding.offset + finding.length <= length, `${finding.ruleId} points outside the bytes: ${JSON.stringify(finding)}`);
  }
}

export function httpFuzzProperties(): FuzzProperty[] {
  return [
    {
      name: 'parseHttpConversation never throws on arbitrary bytes; offsets stay inside and in order',
      check: fc.property(fc.oneof(latin1String, httpish), fc.oneof(latin1String, httpish), (client, server) => {
        assertConversationWellFormed(bytes(client), bytes(server));
      }),
    },
    {
      name: 'parseHttpConversation never throws on mutated valid messages; offsets stay inside and in order',
      check: fc.property(mutated, mutated, (client, server) => {
        assertConversationWellFormed(bytes(client), bytes(server));
      }),
    },
    {
      name: 'parseHttpMessage at any offset returns a message inside the input or a stop at a valid offset',
      check: fc.property(
        fc.oneof(latin1String, httpish),
        fc.nat(),
        fc.constantFrom('request' as const, 'response' as const),
        fc.constantFrom(undefined, 'HEAD', 'CONNECT', 'GET'),
        (raw, at, kind, requestMethod) => {
          const input = bytes(raw);
          const offset = at % (input.length + 1);
          const outcome = parseHttpMessage(input, offset, kind, { requestMethod });
          if ('stop' in outcome) {
            assert.ok(outcome.offset >= offset && outcome.offset <= input.length);
          } else {
            assertWellFormed(outcome.message, input.length, offset);
            assert.equal(outcome.next, outcome.message.end);
            assert.ok(outcome.next > offset, 'a parsed message must consume bytes');
          }
        },
      ),
    },
    {
      name: 'every rule runs without throwing on mutated exchanges and points inside the bytes',
      check: fc.property(fc.oneof(mutated, httpish), fc.oneof(mutated, httpish), assertRulesStayInside),
    },
  ];
}
