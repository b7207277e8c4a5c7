import * as assert from 'node:assert/strict';
import { teNotChunked as rule } from '../../../server/src/rules/te-not-chunked';
import { assertQuotesEscaped, coveredText, itDoesNotFire, runRule } from './ruleTestKit';

interface Firing {
  readonly name: string;
  readonly exchange: { request?: string; response?: string };
  readonly covers: string;
  /** Words the message must contain. */
  readonly says: readonly string[];
}

const FIRING: readonly Firing[] = [
  {
    name: 'a request with Transfer-Encoding: gzip cannot be framed',
    exchange: { request: 'POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n' },
    covers: 'Transfer-Encoding: gzip',
    says: ['ends with "gzip", not chunked', '400', '501'],
  },
  {
    name: 'a response with Transfer-Encoding: gzip runs to the close',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b\x08' },
    covers: 'Transfer-Encoding: gzip',
    says: ['until the server closes', '502 UPE'],
  },
  {
    name: 'chunked first, then another coding',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n' },
    covers: 'Transfer-Encoding: chunked, gzip',
    says: ['ends with "gzip"'],
  },
  {
    name: 'the last of two lines decides: "identity" after "chunked"',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n' },
    covers: 'Transfer-Encoding: identity',
    says: ['ends with "identity"'],
  },
  {
    name: 'an empty value names no coding',
    exchange: { request: 'POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n' },
    covers: 'Transfer-Encoding:',
    says: ['names no transfer coding'],
  },
  {
    name: 'an empty last line leaves the final coding on the line before',
    exchange: { request: 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: \r\n\r\n' },
    covers: 'Transfer-Encoding: gzip',
    says: ['ends with "gzip"'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: { request?: string; response?: string } }[] = [
  { name: 'chunked', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' } },
  { name: 'gzip, chunked', exchange: { request: 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' } },
  { name: 'suricata http-chunked: empty elements around chunked', exchange: { request: 'HEAD / HTTP/1.1\r\nTransfer-Encoding: ,\tchunked,\r\n\r\n0\r\n\r\n' } },
  { name: 'chunked with a parameter', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked;x=1\r\n\r\n0\r\n\r\n' } },
  { name: 'no Transfer-Encoding', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' } },
  {
    name: 'a response to HEAD (it has no body whatever it says)',
    exchange: { request: 'HEAD / HTTP/1.1\r\nHost: h\r\n\r\n', response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n' },
  },
  { name: 'a 304 describing the 200 it stands for', exchange: { response: 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: gzip\r\n\r\n' } },
  { name: 'Transfer-Encoding in the trailer section', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: gzip\r\n\r\n' } },
];

describe('rule te-not-chunked', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const findings = runRule(rule, c.exchange);
      assert.equal(findings.length, 1);
      assert.equal(coveredText(c.exchange, findings[0]), c.covers);
      for (const word of c.says) assert.ok(findings[0].message.includes(word), `"${word}" missing from: ${findings[0].message}`);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('escapes a hostile coding name', () => {
    const exchange = { request: 'POST / HTTP/1.1\r\nTransfer-Encoding: \xe2\x80\xae\x07\r\n\r\n' };
    assertQuotesEscaped(rule, exchange, '\\xe2\\x80\\xae\\x07');
  });

  it('carries catalogue data: RFC 9112 §6.3 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.3']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
