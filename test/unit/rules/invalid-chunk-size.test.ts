import * as assert from 'node:assert/strict';
import { invalidChunkSize as rule } from '../../../server/src/rules/invalid-chunk-size';
import { assertQuotesEscaped, coveredText, runRule } from './ruleTestKit';

const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

/** [chunked body, covered chunk-size token, phrase in the message]. */
const FIRING: readonly (readonly [string, string, string])[] = [
  ['fx\r\nX5O!P%@AP[4\\PZX\r\n0\r\n\r\n', 'fx', 'has non-hex bytes after its digits'],
  ['5x;ext=1\r\nhello\r\n0\r\n\r\n', '5x', 'has non-hex bytes after its digits'],
  ['0x5\r\nhello\r\n0\r\n\r\n', '0x5', 'has a "0x" prefix'],
  [' 5\r\nhello\r\n0\r\n\r\n', ' 5', 'starts with whitespace'],
  ['1 0\r\nX\r\n0\r\n\r\n', '1 0', 'has whitespace inside: parsers that stop at the blank read another size than those that reject the line. The chunk-size must be 1*HEXDIG (RFC 9112 §7.1); Envoy (Balsa) reads only the digits before the blank'],
  ['zz\r\n0\r\n\r\n', 'zz', 'is not hexadecimal'],
  ['10000000000000000\r\n\r\n', '10000000000000000', 'overflows 64 bits'],
  ['FFFFFFFFFFFFFFFFFF;x\r\n', 'FFFFFFFFFFFFFFFFFF', 'overflows 64 bits'],
  ['20000000000000\r\nhello\r\n', '20000000000000', 'more than 2^53−1, no real chunk is that large. The chunk-size must be 1*HEXDIG (RFC 9112 §7.1); Envoy accepts the size'],
  ['fx\r\nhello\r\n', 'fx', 'Envoy rejects it (400, or a reset mid-response)'],
  [';ext\r\nhello\r\n0\r\n\r\n', ';ext', 'is empty'],
  ['\r\n0\r\n\r\n', '\r\n', 'is empty'],
  ['5\r\nhello\r\n-1\r\n\r\n', '-1', 'is not hexadecimal'],
];

describe('rule invalid-chunk-size', () => {
  for (const [body, covers, phrase] of FIRING) {
    it(`fires: ${JSON.stringify(body.split('\r\n')[0])} (covers ${JSON.stringify(covers)})`, () => {
      const exchange = { response: HEAD + body };
      const findings = runRule(rule, exchange);
      assert.equal(findings.length, 1);
      assert.equal(coveredText(exchange, findings[0]), covers);
      assert.ok(findings[0].message.includes(phrase), findings[0].message);
      assert.equal(findings[0].severity, 'error');
    });
  }

  it('zeek 261 variant 01: a request whose chunk size is 2^64, with a smuggled request behind it', () => {
    const exchange = {
      request: 'POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\nGET /smuggled-chunk-2pow64 HTTP/1.1\r\nHost: target\r\n\r\n',
    };
    const [finding, ...rest] = runRule(rule, exchange);
    assert.equal(rest.length, 0);
    assert.equal(finding.direction, 'client-to-server');
    assert.equal(coveredText(exchange, finding), '10000000000000000');
    assert.match(finding.message, /18446744073709551616 bytes/);
  });

  it('warns, without stopping the body, about a valid size written with more than 16 hex digits', () => {
    const exchange = { response: `${HEAD}00000000000000005\r\nhello\r\n0000000000000005\r\nhello\r\n0\r\n\r\n` };
    const findings = runRule(rule, exchange);
    assert.equal(findings.length, 1);
    assert.equal(coveredText(exchange, findings[0]), '00000000000000005');
    assert.equal(findings[0].severity, 'warning');
    assert.match(findings[0].message, /17 hex digits/);
  });

  const NOT_FIRING: readonly string[] = [
    'a\r\n0123456789\r\n0\r\n\r\n',
    'A;name=value\r\n0123456789\r\n0\r\n\r\n',
    '5 ;ext\r\nhello\r\n0\r\n\r\n',
    '5\t\r\nhello\r\n0\r\n\r\n',
    '5;ext=a\rb\r\nhello\r\n0\r\n\r\n',
    '1FFFFFFFFFFFFF\r\n',
  ];
  for (const body of NOT_FIRING) {
    it(`does not fire: ${JSON.stringify(body.split('\r\n')[0])}`, () => {
      assert.deepEqual(runRule(rule, { response: HEAD + body }), []);
    });
  }

  it('does not fire on chunk-like text inside a Content-Length body', () => {
    assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nzz\r\nxx\r\n' }), []);
  });

  it('quotes hostile bytes escaped', () => {
    const exchange = { response: `${HEAD}5\x1b[2J\xe2\x80\xae\r\nhello\r\n0\r\n\r\n` };
    assertQuotesEscaped(rule, exchange, '"5\\x1b[2J\\xe2\\x80\\xae"');
  });

  it('carries catalogue data: RFC 9112 §7.1 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '7.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.match(rule.verdicts[0].summary, /"1 0" is read as 1/);
  });
});
