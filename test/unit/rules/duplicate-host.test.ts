import * as assert from 'node:assert/strict';
import { duplicateHost as rule } from '../../../server/src/rules/duplicate-host';
import { UNSAFE_CHARS } from '../helpers';
import { assertMessageSays, assertQuotesEscaped, coveredText, itDoesNotFire, singleFinding } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

const FIRING: readonly { name: string; exchange: Exchange; covers: string; related: readonly string[]; says: readonly string[] }[] = [
  {
    name: 'two Host lines with different values',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: public.example.com\r\nHost: internal.example.com\r\n\r\n' },
    covers: 'Host: internal.example.com',
    related: ['Host: public.example.com'],
    says: ['Host appears 2 times', '400', ':authority "public.example.com,internal.example.com"'],
  },
  {
    name: 'three lines, names in different case',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\nHOST: b\r\n\r\n' },
    covers: 'host: a',
    related: ['Host: a', 'HOST: b'],
    says: ['Host appears 3 times'],
  },
  {
    name: 'a Host list without spaces: Envoy accepts it as :authority',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: a.example,b.example\r\n\r\n' },
    covers: 'Host: a.example,b.example',
    related: [],
    says: ['Host carries a list', 'Envoy accepts it'],
  },
  {
    name: 'a Host list with a space: Envoy rejects the authority',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: a.example, b.example\r\n\r\n' },
    covers: 'Host: a.example, b.example',
    related: [],
    says: ['400 http.invalid_authority'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'one Host', exchange: { request: 'GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n' } },
  { name: 'an IPv6 literal', exchange: { request: 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n' } },
  { name: 'Host and X-Forwarded-Host', exchange: { request: 'GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Host: b, c\r\n\r\n' } },
  { name: 'one Host per pipelined request', exchange: { request: 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n' } },
  { name: 'responses are not requests', exchange: { response: 'HTTP/1.1 200 OK\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n' } },
  { name: 'no Host at all (missing-host reports it)', exchange: { request: 'GET / HTTP/1.1\r\n\r\n' } },
];

describe('rule duplicate-host', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = singleFinding(rule, c.exchange, c.covers);
      assert.deepEqual((finding.related ?? []).map((r) => coveredText(c.exchange, { ...r, direction: finding.direction })), c.related);
      assert.doesNotMatch(finding.message, UNSAFE_CHARS);
      assertMessageSays(finding, c.says);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, { request: 'GET / HTTP/1.1\r\nHost: a\r\nHost: \x1b[2J\xe2\x80\xae\r\n\r\n' }, 'Host: \\x1b[2J\\xe2\\x80\\xae');
  });

  it('carries catalogue data: RFC 9112 §3.2 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['duplicate-host', 'error', 'RFC 9112', '3.2']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'accept-with-rewrite', 'cited']]);
  });
});
