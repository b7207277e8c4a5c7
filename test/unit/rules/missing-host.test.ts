import * as assert from 'node:assert/strict';
import { missingHost as rule } from '../../../server/src/rules/missing-host';
import { assertQuotesEscaped, itDoesNotFire, itFiresOnce, runRule } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

const FIRING: readonly { name: string; exchange: Exchange; covers: string; says: readonly string[] }[] = [
  {
    name: 'an HTTP/1.1 request without Host',
    exchange: { request: 'GET /health HTTP/1.1\r\nUser-Agent: probe\r\n\r\n' },
    covers: 'GET /health HTTP/1.1',
    says: ['has no Host header field', 'RFC 9112 §3.2', '400 (missing_host_header)'],
  },
  {
    name: 'the second of two pipelined requests',
    exchange: { request: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n\r\n' },
    covers: 'GET /2 HTTP/1.1',
    says: ['missing_host_header'],
  },
  {
    name: 'an absolute-form target: Envoy takes the host from it',
    exchange: { request: 'GET http://example.com/ HTTP/1.1\r\n\r\n' },
    covers: 'GET http://example.com/ HTTP/1.1',
    says: ['Envoy takes :authority from it', 'accepts the request'],
  },
  {
    name: 'CONNECT without Host',
    exchange: { request: 'CONNECT example.com:443 HTTP/1.1\r\n\r\n' },
    covers: 'CONNECT example.com:443 HTTP/1.1',
    says: ['target names a host'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'Host present', exchange: { request: 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' } },
  { name: 'Host in another case, empty value', exchange: { request: 'GET / HTTP/1.1\r\nhOST:\r\n\r\n' } },
  { name: 'HTTP/1.0 may omit Host', exchange: { request: 'GET /1 HTTP/1.0\r\nUser-Agent: Mozilla\r\n\r\n' } },
  { name: 'HTTP/0.9 has no header section', exchange: { request: 'GET /index.html\r\n' } },
  { name: 'a header section that never ends (capture cut)', exchange: { request: 'GET / HTTP/1.1\r\nUser-Agent: x\r\n' } },
  { name: 'responses are not requests', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' } },
  { name: 'a Host-like name is not Host', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-Host: y\r\n\r\n' } },
];

describe('rule missing-host', () => {
  itFiresOnce(rule, FIRING);

  itDoesNotFire(rule, NOT_FIRING);

  it('a request with only "X-Host" still fires', () => {
    assert.equal(runRule(rule, { request: 'GET / HTTP/1.1\r\nX-Host: y\r\n\r\n' }).length, 1);
  });

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, { request: 'GET /\x1b[2J\xe2\x80\xae HTTP/1.1\r\n\r\n' });
  });

  it('carries catalogue data: RFC 9112 §3.2 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['missing-host', 'error', 'RFC 9112', '3.2']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
