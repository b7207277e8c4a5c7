import * as assert from 'node:assert/strict';
import { invalidTrailer as rule } from '../../../server/src/rules/invalid-trailer';
import { UNSAFE_CHARS } from '../helpers';
import { coveredText, runRule } from './ruleTestKit';

const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n';

/** [trailer lines (each CRLF-terminated), covered texts, phrase in the first message]. */
const FIRING: readonly (readonly [string, readonly string[], string])[] = [
  ['Content-Length: 50\r\n', ['Content-Length: 50'], 'is message framing'],
  ['transfer-encoding: chunked\r\n', ['transfer-encoding: chunked'], 'is message framing'],
  ['Trailer: X\r\n', ['Trailer: X'], 'is message framing'],
  ['Host: evil.example\r\n', ['Host: evil.example'], 'is request routing'],
  ['If-None-Match: "x"\r\n', ['If-None-Match: "x"'], 'conditional'],
  ['Set-Cookie: a=b\r\n', ['Set-Cookie: a=b'], 'authentication (cookies)'],
  ['Authorization: Basic Zm9v\r\n', ['Authorization: Basic Zm9v'], 'is authentication'],
  ['Content-Type: text/html\r\n', ['Content-Type: text/html'], 'is content format'],
  ['Connection: close\r\n', ['Connection: close'], 'is connection management'],
  ['X-Ok: 1\r\nNoColonHere\r\n', ['NoColonHere'], 'has no colon'],
  ['Bad Name: x\r\n', ['Bad Name: x'], 'its name "Bad Name" is not a token'],
  ['X-Foo : v\r\n', ['X-Foo : v'], '(whitespace before the colon)'],
  ['X-A: 1\r\n 2\r\n', ['X-A: 1\r\n 2'], 'obs-fold'],
  ['X-A: a\x00b\r\n', ['X-A: a\x00b'], 'control byte \\x00'],
  ['Content-Length: 0\r\nX-Sum: 1\r\nHost: h\r\n', ['Content-Length: 0', 'Host: h'], 'is message framing'],
];

describe('rule invalid-trailer', () => {
  for (const [trailers, covers, phrase] of FIRING) {
    it(`fires: ${JSON.stringify(trailers)}`, () => {
      const exchange = { response: `${HEAD}${trailers}\r\n` };
      const findings = runRule(rule, exchange);
      assert.deepEqual(findings.map((f) => coveredText(exchange, f)), covers);
      assert.ok(findings[0].message.includes(phrase), findings[0].message);
      assert.ok(findings.every((f) => f.severity === 'warning'));
      assert.doesNotMatch(findings[0].message, UNSAFE_CHARS);
    });
  }

  it('fires on a request trailer too', () => {
    const exchange = { request: 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: other\r\n\r\n' };
    const [finding] = runRule(rule, exchange);
    assert.equal(finding.direction, 'client-to-server');
    assert.equal(coveredText(exchange, finding), 'Host: other');
  });

  const NOT_FIRING: readonly string[] = ['', 'X-Checksum: abc\r\n', 'Server-Timing: db;dur=53\r\n', 'Grpc-Status: 0\r\nGrpc-Message: ok\r\n', 'Digest: sha-256=abc\r\n'];
  for (const trailers of NOT_FIRING) {
    it(`does not fire: ${JSON.stringify(trailers)}`, () => {
      assert.deepEqual(runRule(rule, { response: `${HEAD}${trailers}\r\n` }), []);
    });
  }

  it('does not look at the header section, nor at bodies that are not chunked', () => {
    assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' }), []);
    assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0\r\nHost: h\r\nNoColon\r\n' }), []);
  });

  it('carries catalogue data: RFC 9110 §6.5.1 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9110', '6.5.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'accept-with-rewrite', 'cited']]);
  });
});
