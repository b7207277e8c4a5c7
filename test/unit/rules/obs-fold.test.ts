import * as assert from 'node:assert/strict';
import { obsFold as rule } from '../../../server/src/rules/obs-fold';
import { assertMessageSays, assertQuotesEscaped, coveredText, itDoesNotFire, singleFinding } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

const FIRING: readonly { name: string; exchange: Exchange; covers: string; related: string; says: readonly string[] }[] = [
  {
    name: 'zeek 261 variant 09: an empty Transfer-Encoding folded onto " chunked" in a request',
    exchange: { request: 'POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\nGET /smuggled-obsfold HTTP/1.1\r\nHost: target\r\n\r\n' },
    covers: ' chunked',
    related: 'Transfer-Encoding:',
    says: ['"Transfer-Encoding: chunked"', 'server must reject it (400)', 'smuggling shape', 'sees only "Transfer-Encoding:"'],
  },
  {
    name: 'HTTP-Evader 058: the same in a response, with a trailing space on the first line',
    exchange: { response: 'HTTP/1.1 200 ok\r\nTransfer-Encoding: \r\n chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n0\r\n\r\n' },
    covers: ' chunked',
    related: 'Transfer-Encoding: ',
    says: ['proxy must replace each fold with SP or answer 502', 'smuggling shape'],
  },
  {
    name: 'two continuation lines (one with a tab) on an ordinary field: one finding over both',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-Long: part one\r\n part two\r\n\tpart three\r\n\r\n' },
    covers: ' part two\r\n\tpart three',
    related: 'X-Long: part one',
    says: ['2 obs-fold lines', '"X-Long: part one part two part three"'],
  },
  {
    name: 'folded with bare LFs',
    exchange: { response: 'HTTP/1.1 200 OK\nX-A: 1\n 2\nContent-Length: 0\n\n' },
    covers: ' 2',
    related: 'X-A: 1',
    says: ['1 obs-fold line'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'no continuation lines', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n' } },
  { name: 'whitespace inside a value', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: a\tb c\r\n\r\n' } },
  { name: 'indented lines in a body', exchange: { request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nx\r\n folded' } },
];

describe('rule obs-fold', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = singleFinding(rule, c.exchange, c.covers);
      assert.deepEqual(finding.related?.map((r) => coveredText(c.exchange, { ...r, direction: finding.direction })), [c.related]);
      assertMessageSays(finding, c.says);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-\x1b[2J: a\r\n \xe2\x80\xae\r\n\r\n' }, '\\x1b[2J');
  });

  it('carries catalogue data: RFC 9112 §5.2 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['obs-fold', 'error', 'RFC 9112', '5.2']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'accept-with-rewrite', 'cited']]);
  });
});
