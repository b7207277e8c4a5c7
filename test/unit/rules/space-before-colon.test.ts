import * as assert from 'node:assert/strict';
import { spaceBeforeColon as rule } from '../../../server/src/rules/space-before-colon';
import { assertQuotesEscaped, coveredText, itDoesNotFire, runRule } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

const FIRING: readonly { name: string; exchange: Exchange; covers: readonly string[]; says: readonly string[] }[] = [
  {
    name: 'HTTP-Evader 087: "Transfer-Encoding : chunked" in a response',
    exchange: {
      response: 'HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nConnection: close\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nX5O!P\r\n0\r\n\r\n',
    },
    covers: ['Transfer-Encoding : chunked'],
    says: ['"Transfer-Encoding : chunked"', 'proxy must remove', '502 UPE', 'framing field'],
  },
  {
    name: 'a request: the server must answer 400',
    exchange: { request: 'GET / HTTP/1.1\r\nHost : example.com\r\n\r\n' },
    covers: ['Host : example.com'],
    says: ['400', 'Host field'],
  },
  {
    name: 'a tab and several spaces, on an ordinary field; each line its own finding',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nAccept\t: */*\r\nX-A  : 1\r\n\r\n' },
    covers: ['Accept\t: */*', 'X-A  : 1'],
    says: ['400'],
  },
  {
    name: 'bare LF line ends: the finding stops before the LF',
    exchange: { response: 'HTTP/1.1 200 OK\nContent-Length : 2\n\nok' },
    covers: ['Content-Length : 2'],
    says: ['framing field'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'whitespace after the colon is optional whitespace, not this', exchange: { request: 'GET / HTTP/1.1\r\nHost:   h  \r\nAccept:\t*/*\r\n\r\n' } },
  { name: 'no whitespace at all', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length:2\r\n\r\nok' } },
  { name: 'a space inside the value', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: a b : c\r\n\r\n' } },
  { name: 'a body line that looks like one', exchange: { request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\nName : value' } },
  { name: 'in a trailer field (invalid-trailer reports it)', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nExpires : never\r\n\r\n' } },
  { name: 'a name that is only whitespace (invalid-header-name reports it)', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\n\t: x\r\n\r\n' } },
];

describe('rule space-before-colon', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const findings = runRule(rule, c.exchange);
      assert.deepEqual(findings.map((f) => coveredText(c.exchange, f)), c.covers);
      for (const finding of findings) {
        assert.equal(finding.ruleId, 'space-before-colon');
        assert.equal(finding.severity, 'error');
      }
      for (const words of c.says) assert.ok(findings[0].message.includes(words), `"${words}" missing from: ${findings[0].message}`);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped, never raw', () => {
    const exchange = { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-A : \x1b[2J\xe2\x80\xae\x07\r\n\r\n' };
    assertQuotesEscaped(rule, exchange, '"X-A : \\x1b[2J\\xe2\\x80\\xae\\x07"');
  });

  it('carries catalogue data: RFC 9112 §5.1 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['space-before-colon', 'error', 'RFC 9112', '5.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
