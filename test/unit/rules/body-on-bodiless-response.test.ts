import * as assert from 'node:assert/strict';
import { bodyOnBodilessResponse as rule } from '../../../server/src/rules/body-on-bodiless-response';
import { coveredText, itDoesNotFire, runRule } from './ruleTestKit';

type Exchange = { request?: string; response?: string };
const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
const HEAD = 'HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n';

const FIRING: readonly { name: string; exchange: Exchange; covers: readonly string[]; says: string; severity?: 'warning' }[] = [
  {
    name: 'a response to HEAD that sends its body anyway',
    exchange: { request: HEAD, response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' },
    covers: ['hello'],
    says: '5 bytes follow a response to HEAD',
  },
  {
    name: 'a 204 with a body',
    exchange: { request: GET, response: 'HTTP/1.1 204 No Content\r\n\r\noops' },
    covers: ['oops'],
    says: 'a 204 No Content response',
  },
  {
    name: 'a 304 with a body',
    exchange: { request: GET, response: 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n<html>' },
    covers: ['<html>'],
    says: 'a 304 Not Modified response',
  },
  {
    name: 'a 100 Continue followed by bytes that are not a response',
    exchange: { request: 'POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n', response: 'HTTP/1.1 100 Continue\r\n\r\nXYZ' },
    covers: ['XYZ'],
    says: 'a 100 (1xx) response',
  },
  {
    name: 'a 204 declaring chunked and sending the chunked body',
    exchange: { request: GET, response: 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
    covers: ['Transfer-Encoding: chunked', '0\r\n\r\n'],
    says: 'RFC 9112 §6.1 forbids Transfer-Encoding there',
  },
  {
    name: 'a 204 with a non-zero Content-Length and no body',
    exchange: { request: GET, response: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n' },
    covers: ['Content-Length: 5'],
    says: 'reads 5 bytes of the next response as a body',
  },
  {
    name: 'a stray CRLF after a 204, before the next response: a warning on the CRLF only',
    exchange: { request: GET + GET, response: 'HTTP/1.1 204 No Content\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    covers: ['\r\n'],
    says: '2 stray line-end bytes follow a 204 No Content response',
    severity: 'warning',
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'a 304 with Content-Length describing the 200 (allowed)', exchange: { request: GET, response: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n' } },
  { name: 'a 304 with Transfer-Encoding (allowed)', exchange: { request: GET, response: 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' } },
  { name: 'a HEAD response with Content-Length and no body', exchange: { request: HEAD, response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' } },
  { name: 'a 204 with Content-Length: 0', exchange: { request: GET, response: 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n' } },
  {
    name: 'a 204, then the next response right away',
    exchange: { request: GET + GET, response: 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  },
  { name: '100 Continue, then the final response', exchange: { request: 'POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n', response: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' } },
  {
    name: '101 Switching Protocols, then WebSocket frames',
    exchange: { request: 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', response: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello' },
  },
  { name: 'CONNECT 200, then tunnel bytes', exchange: { request: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', response: 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01\x00' } },
  { name: 'a 200 with a body', exchange: { request: GET, response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' } },
];

describe('rule body-on-bodiless-response', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const findings = runRule(rule, c.exchange);
      assert.deepEqual(findings.map((f) => coveredText(c.exchange, f)), c.covers);
      assert.ok(findings.some((f) => f.message.includes(c.says)), findings.map((f) => f.message).join('\n'));
      assert.ok(findings.every((f) => f.severity === (c.severity ?? 'error')));
    });
  }

  it('relates the extra bytes to the status line of the bodiless response', () => {
    const exchange = { request: HEAD, response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' };
    const [finding] = runRule(rule, exchange);
    assert.deepEqual(finding.related?.map((r) => coveredText(exchange, { ...r, direction: finding.direction })), ['HTTP/1.1 200 OK']);
  });

  itDoesNotFire(rule, NOT_FIRING);

  it('carries catalogue data: RFC 9112 §6.3, connection scope, the cited Envoy verdict, an example that fires', () => {
    assert.equal(rule.scope, 'connection');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.3']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.match(rule.verdicts[0].summary, /http1\.content_length_not_allowed/);
    assert.ok(runRule(rule, rule.example!).length > 0);
  });
});
