import * as assert from 'node:assert/strict';
import { unknownHttpVersion as rule } from '../../../server/src/rules/unknown-http-version';
import { assertQuotesEscaped, itDoesNotFire, itFiresOnce } from './ruleTestKit';

type Exchange = { request?: string; response?: string };
const request = (line: string): Exchange => ({ request: `${line}\r\nHost: example.com\r\n\r\n` });
const response = (line: string): Exchange => ({ request: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', response: `${line}\r\nContent-Length: 0\r\n\r\n` });

const FIRING: readonly { name: string; exchange: Exchange; covers: string; says: readonly string[] }[] = [
  { name: 'HTTP/1.2 in a request', exchange: request('GET / HTTP/1.2'), covers: 'HTTP/1.2', says: ['minor version', 'RFC 9110 §2.5', '426 (low_version)'] },
  { name: 'HTTP/2.0 in an HTTP/1 request line', exchange: request('GET / HTTP/2.0'), covers: 'HTTP/2.0', says: ['another major version', '426'] },
  { name: 'HTTP/1.10 (two digits)', exchange: request('GET / HTTP/1.10'), covers: 'HTTP/1.10', says: ['not HTTP/<digit>.<digit>', '400 http1.codec_error, HPE_INVALID_VERSION'] },
  { name: 'lower-case http/1.1 in a request', exchange: request('GET / http/1.1'), covers: 'http/1.1', says: ['wrong case', '400'] },
  { name: 'HTTP/1 (no minor version)', exchange: request('GET /x HTTP/1'), covers: 'HTTP/1', says: ['not HTTP/<digit>.<digit>'] },
  {
    name: 'an HTTP/0.9-style request without a version: the whole line',
    exchange: request('GET /index.html'),
    covers: 'GET /index.html',
    says: ['has no HTTP version', 'HTTP/0.9', '426'],
  },
  { name: 'HTTP/1.2 in a status line', exchange: response('HTTP/1.2 200 OK'), covers: 'HTTP/1.2', says: ['Envoy accepts the response and treats it as HTTP/1.0'] },
  { name: 'HTTP/1.10 in a status line', exchange: response('HTTP/1.10 200 OK'), covers: 'HTTP/1.10', says: ['502 UPE, HPE_INVALID_VERSION'] },
  { name: 'lower-case http/1.1 in a status line', exchange: response('http/1.1 200 OK'), covers: 'http/1.1', says: ['HPE_INVALID_CONSTANT'] },
  { name: 'the version token, not the CR after it', exchange: request('GET / HTTP/1.3\r'), covers: 'HTTP/1.3', says: ['minor version'] },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'HTTP/1.1 request and response', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', response: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' } },
  { name: 'HTTP/1.0 request and response', exchange: { request: 'GET / HTTP/1.0\r\n\r\n', response: 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n' } },
  { name: 'trailing whitespace after HTTP/1.1', exchange: request('GET / HTTP/1.1 \t') },
  { name: 'an SSH banner is not an HTTP/0.9 request (not HTTP at all)', exchange: { request: 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n' } },
];

describe('rule unknown-http-version', () => {
  itFiresOnce(rule, FIRING);

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, request('GET / HTTP/\x1b[2J\xe2\x80\xae'), 'HTTP/\\x1b[2J\\xe2\\x80\\xae');
  });

  it('carries catalogue data: RFC 9112 §2.3 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['unknown-http-version', 'error', 'RFC 9112', '2.3']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
