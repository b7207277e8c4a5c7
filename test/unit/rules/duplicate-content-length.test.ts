import * as assert from 'node:assert/strict';
import { duplicateContentLength as rule } from '../../../server/src/rules/duplicate-content-length';
import { coveredText, itDoesNotFire, singleFinding } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

const FIRING: readonly { name: string; exchange: Exchange; covers: string; related: readonly string[]; times: number }[] = [
  {
    name: 'two lines with the same value',
    exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello' },
    covers: 'Content-Length: 5',
    related: ['Content-Length: 5'],
    times: 2,
  },
  {
    name: 'a list in one line ("5, 5")',
    exchange: { request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello' },
    covers: 'Content-Length: 5, 5',
    related: [],
    times: 2,
  },
  {
    name: 'the same number, once with leading zeros, names in any case',
    exchange: { response: 'HTTP/1.1 200 OK\r\ncontent-length: 005\r\nCONTENT-LENGTH: 5\r\n\r\nhello' },
    covers: 'CONTENT-LENGTH: 5',
    related: ['content-length: 005'],
    times: 2,
  },
  {
    name: 'three times across a line and a list',
    exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 0, 0\r\nContent-Length: 0\r\n\r\n' },
    covers: 'Content-Length: 0, 0',
    related: ['Content-Length: 0'],
    times: 3,
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'one Content-Length', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' } },
  { name: 'different values (conflicting-content-length)', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello' } },
  { name: 'an invalid value among them (invalid-content-length)', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5x\r\n\r\nhello' } },
  { name: 'the same value again in the trailer section', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\nContent-Length: 0\r\n\r\n' } },
];

describe('rule duplicate-content-length', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = singleFinding(rule, c.exchange, c.covers);
      assert.deepEqual((finding.related ?? []).map((r) => coveredText(c.exchange, { ...r, direction: finding.direction })), c.related);
      assert.match(finding.message, new RegExp(`is sent ${c.times} times`));
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('carries catalogue data: RFC 9110 §8.6 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9110', '8.6']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.match(rule.verdicts[0].reference, /disallow_multiple_content_length/);
  });
});
