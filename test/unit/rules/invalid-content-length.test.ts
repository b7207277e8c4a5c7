import * as assert from 'node:assert/strict';
import { invalidContentLength as rule } from '../../../server/src/rules/invalid-content-length';
import { assertQuotesEscaped, coveredText, runRule } from './ruleTestKit';

/** [field line as sent, a phrase the message must contain]. */
const FIRING: readonly (readonly [string, string])[] = [
  ['Content-Length: +5', 'has a sign ("+5")'],
  ['Content-Length: -1', 'has a sign ("-1")'],
  ['Content-Length:', 'is empty'],
  ['Content-Length:   ', 'is empty'],
  ['Content-Length: 0x10', 'is hexadecimal ("0x10")'],
  ['Content-Length: 1 0', 'has whitespace inside the number ("1 0")'],
  ['Content-Length: 5abc', 'numeric prefix followed by other bytes ("5abc")'],
  ['Content-Length: abc', 'is not a decimal number ("abc")'],
  ['Content-Length: 5,', 'is empty'],
  ['Content-Length: 99999999999999999999', 'overflows 64-bit integers'],
  ['Content-Length: 9223372036854775808', 'overflows signed 64-bit integers'],
  ['Content-Length: 9007199254740992', 'more than 2^53−1 bytes'],
];

const NOT_FIRING: readonly string[] = [
  'Content-Length: 0',
  'Content-Length: 5',
  'Content-Length: 00012',
  'Content-Length:9007199254740991',
  'Content-Length: \t5 \t',
  'Content-Length: 5, 5',
  'Content-Length-Hint: abc',
];

describe('rule invalid-content-length', () => {
  for (const [line, phrase] of FIRING) {
    for (const side of ['request', 'response'] as const) {
      it(`fires on a ${side}: ${JSON.stringify(line)}`, () => {
        const head = side === 'request' ? 'POST / HTTP/1.1\r\nHost: h' : 'HTTP/1.1 200 OK';
        const exchange = { [side]: `${head}\r\n${line}\r\n\r\nhello` };
        const findings = runRule(rule, exchange);
        assert.equal(findings.length, 1);
        assert.equal(coveredText(exchange, findings[0]), line);
        assert.ok(findings[0].message.includes(phrase), findings[0].message);
        assert.equal(findings[0].severity, 'error');
      });
    }
  }

  it('reports each invalid line once, with every problem on it', () => {
    const exchange = { response: 'HTTP/1.1 200 OK\r\nContent-Length: +1, 0x2\r\nContent-Length: 3\r\nContent-Length: x\r\n\r\n' };
    const findings = runRule(rule, exchange);
    assert.deepEqual(findings.map((f) => coveredText(exchange, f)), ['Content-Length: +1, 0x2', 'Content-Length: x']);
    assert.ok(findings[0].message.includes('has a sign') && findings[0].message.includes('is hexadecimal'), findings[0].message);
  });

  for (const line of NOT_FIRING) {
    it(`does not fire: ${JSON.stringify(line)}`, () => {
      assert.deepEqual(runRule(rule, { response: `HTTP/1.1 200 OK\r\n${line}\r\n\r\nhello` }), []);
    });
  }

  it('does not look at trailers', () => {
    assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: x\r\n\r\n' }), []);
  });

  it('quotes hostile bytes escaped', () => {
    const exchange = { request: 'POST / HTTP/1.1\r\nContent-Length: 5\x00\x1b[31m\xe2\x80\xae\r\n\r\n' };
    assertQuotesEscaped(rule, exchange, '5\\x00\\x1b[31m\\xe2\\x80\\xae');
  });

  it('carries catalogue data: RFC 9110 §8.6 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9110', '8.6']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.match(rule.verdicts[0].summary, /UNPARSABLE_CONTENT_LENGTH/);
  });
});
