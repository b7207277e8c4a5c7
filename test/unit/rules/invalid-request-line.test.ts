import * as assert from 'node:assert/strict';
import { invalidRequestLine as rule } from '../../../server/src/rules/invalid-request-line';
import { UNSAFE_CHARS } from '../helpers';
import { assertMessageSays, assertQuotesEscaped, coveredText, onlyFinding, runRule } from './ruleTestKit';

const request = (line: string) => ({ request: `${line}\r\nHost: example.com\r\n\r\n` });

const FIRING: readonly { name: string; line: string; says: readonly string[] }[] = [
  { name: 'whitespace inside the target', line: 'GET /a b HTTP/1.1', says: ['"/a b" contains whitespace', 'one takes "/a"', 'Envoy rejects it (400'] },
  { name: 'no target', line: 'GET HTTP/1.1', says: ['no request-target', 'Envoy rejects it'] },
  { name: 'two spaces between method and target', line: 'GET  / HTTP/1.1', says: ['more than one SP', 'Envoy accepts it'] },
  { name: 'tabs as separators', line: 'GET\t/\tHTTP/1.1', says: ['a tab separates parts'] },
  { name: 'whitespace after the version', line: 'GET / HTTP/1.1 ', says: ['whitespace follows the HTTP version'] },
  { name: 'a method that is not a token', line: 'G(T / HTTP/1.1', says: ['the method "G(T" is not a token: "(" not allowed', 'Envoy rejects it (400'] },
  {
    name: 'suricata http-multiple-cl: leftover body bytes glued to the next method',
    line: 'bar=1&foo=2POST /evil.php HTTP/1.1',
    says: ['"bar=1&foo=2POST"', 'it ends in POST', 'desync symptom'],
  },
  { name: 'a raw control byte in the target', line: 'GET /a\x01b HTTP/1.1', says: ['bytes a URI cannot hold ("\\x01")', 'percent-encoded'] },
  { name: 'raw UTF-8 in the target', line: 'GET /caf\xc3\xa9 HTTP/1.1', says: ['"\\xc3", "\\xa9"'] },
  { name: 'several problems at once', line: 'G@T  /x y\tHTTP/1.1', says: ['"@" not allowed', 'contains whitespace', 'a tab separates parts'] },
];

const NOT_FIRING: readonly { name: string; line: string }[] = [
  { name: 'origin-form', line: 'GET /index.html?q=1&r=%20 HTTP/1.1' },
  { name: 'absolute-form (not a mismatch to report)', line: 'GET http://example.com/x HTTP/1.1' },
  { name: 'authority-form CONNECT', line: 'CONNECT example.com:443 HTTP/1.1' },
  { name: 'asterisk-form OPTIONS', line: 'OPTIONS * HTTP/1.1' },
  { name: 'an unknown but valid method token', line: 'PURGE /cache HTTP/1.1' },
  { name: 'HTTP/0.9 (unknown-http-version reports it)', line: 'GET /index.html' },
  { name: 'an unknown version alone (unknown-http-version reports it)', line: 'GET / HTTP/1.10' },
  { name: 'a bare CR before the line end alone (bare-cr reports it)', line: 'GET / HTTP/1.1\r' },
];

describe('rule invalid-request-line', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const exchange = request(c.line);
      const finding = onlyFinding(rule, exchange);
      assert.equal(coveredText(exchange, finding), c.line);
      assert.equal(finding.direction, 'client-to-server');
      assert.doesNotMatch(finding.message, UNSAFE_CHARS);
      assertMessageSays(finding, c.says);
    });
  }

  for (const c of NOT_FIRING) {
    it(`does not fire: ${c.name}`, () => assert.deepEqual(runRule(rule, request(c.line)), []));
  }

  it('never looks at status lines', () => {
    assert.deepEqual(runRule(rule, { request: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', response: 'HTTP/1.1  200  OK\r\nContent-Length: 0\r\n\r\n' }), []);
  });

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, request('GET /\x1b[2J\xe2\x80\xae HTTP/1.1'), '/\\x1b[2J\\xe2\\x80\\xae');
  });

  it('carries catalogue data: RFC 9112 §3 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['invalid-request-line', 'error', 'RFC 9112', '3']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
