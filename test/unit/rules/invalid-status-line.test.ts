import * as assert from 'node:assert/strict';
import { invalidStatusLine as rule } from '../../../server/src/rules/invalid-status-line';
import { UNSAFE_CHARS } from '../helpers';
import { assertMessageSays, coveredText, onlyFinding, runRule } from './ruleTestKit';

const response = (line: string) => ({ request: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', response: `${line}\r\nContent-Length: 0\r\n\r\n` });

const FIRING: readonly { name: string; line: string; says: readonly string[] }[] = [
  { name: 'no SP between the code and the reason', line: 'HTTP/1.1 200OK', says: ['no SP between the status code and the reason phrase ("200OK")', 'Envoy rejects this response (502 UPE)'] },
  { name: 'a two-digit status code', line: 'HTTP/1.1 20 OK', says: ['"20" has 2 digits, not 3', 'below 200', 'Envoy accepts it'] },
  { name: 'a four-digit status code', line: 'HTTP/1.1 2000 OK', says: ['"2000" has 4 digits'] },
  { name: 'a code outside 100-599', line: 'HTTP/1.1 600 Weird', says: ['600 is outside 100-599'] },
  { name: 'two spaces after the version', line: 'HTTP/1.1  200 OK', says: ['more than one SP separates the version'] },
  { name: 'tabs as separators', line: 'HTTP/1.1\t200\tOK', says: ['a tab separates the version', 'a tab separates the status code from the reason'] },
  { name: 'control bytes in the reason phrase', line: 'HTTP/1.1 200 O\x00K\x7f', says: ['control bytes ("\\x00", "\\x7f")', 'Envoy rejects this response (502 UPE)'] },
];

const NOT_FIRING: readonly { name: string; line: string }[] = [
  { name: 'a normal status line', line: 'HTTP/1.1 404 Not Found' },
  { name: 'an empty reason phrase after the SP', line: 'HTTP/1.1 200 ' },
  { name: 'no SP and no reason (a sender rule recipients tolerate; see the description)', line: 'HTTP/1.1 200' },
  { name: 'a reason with HTAB, extra spaces and obs-text', line: 'HTTP/1.1 200 Tr\xe8s  bien\tok' },
  { name: 'HTTP/1.0', line: 'HTTP/1.0 501 Unsupported method (\'POST\')' },
  { name: 'an unknown version alone (unknown-http-version reports it)', line: 'HTTP/1.2 200 OK' },
  { name: 'a bare CR in the reason alone (bare-cr reports it)', line: 'HTTP/1.1 200 O\rK' },
];

describe('rule invalid-status-line', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const exchange = response(c.line);
      const finding = onlyFinding(rule, exchange);
      assert.equal(coveredText(exchange, finding), c.line);
      assert.equal(finding.direction, 'server-to-client');
      assert.doesNotMatch(finding.message, UNSAFE_CHARS);
      assertMessageSays(finding, c.says);
    });
  }

  for (const c of NOT_FIRING) {
    it(`does not fire: ${c.name}`, () => assert.deepEqual(runRule(rule, response(c.line)), []));
  }

  it('never looks at request lines', () => {
    assert.deepEqual(runRule(rule, { request: 'GET  /  HTTP/1.1\r\nHost: h\r\n\r\n' }), []);
  });

  it('carries catalogue data: RFC 9112 §4 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['invalid-status-line', 'error', 'RFC 9112', '4']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
