import * as assert from 'node:assert/strict';
import { teChunkedTwice as rule } from '../../../server/src/rules/te-chunked-twice';
import { assertQuotesEscaped, coveredText, itDoesNotFire, singleFinding } from './ruleTestKit';

interface Firing {
  readonly name: string;
  readonly exchange: { request?: string; response?: string };
  /** The field line the finding covers (the one naming chunked the second time). */
  readonly covers: string;
  /** The other lines naming chunked. */
  readonly related: readonly string[];
  readonly times: number;
}

const FIRING: readonly Firing[] = [
  {
    name: 'one field line: "chunked, chunked"',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' },
    covers: 'Transfer-Encoding: chunked, chunked',
    related: [],
    times: 2,
  },
  {
    name: 'a request: chunked around gzip in one line',
    exchange: { request: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n0\r\n\r\n' },
    covers: 'Transfer-Encoding: chunked, gzip, chunked',
    related: [],
    times: 2,
  },
  {
    name: 'parameters and case do not hide the coding',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1 , CHUNKED\r\n\r\n0\r\n\r\n' },
    covers: 'Transfer-Encoding: chunked;q=1 , CHUNKED',
    related: [],
    times: 2,
  },
  {
    name: 'three times',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,chunked,chunked\r\n\r\n0\r\n\r\n' },
    covers: 'Transfer-Encoding: chunked,chunked,chunked',
    related: [],
    times: 3,
  },
  {
    name: 'a repeat within a line, and one more line naming chunked: the other line is related',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n' },
    covers: 'Transfer-Encoding: chunked, chunked',
    related: ['Transfer-Encoding: chunked'],
    times: 2,
  },
];

const NOT_FIRING: readonly { name: string; exchange: { request?: string; response?: string } }[] = [
  { name: 'chunked once', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' } },
  { name: 'gzip then chunked', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' } },
  {
    name: 'the incident: "Chunked" and "chunked" on two lines (duplicate-transfer-encoding\'s finding, not repeated here)',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n' },
  },
  {
    name: 'HTTP-Evader 079: two lines, chunked only once ("lalala" then "chunked")',
    exchange: { response: 'HTTP/1.1 200 ok\r\nTransfer-Encoding: lalala\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  },
  { name: 'empty list elements around chunked', exchange: { request: 'POST / HTTP/1.1\r\nTransfer-Encoding: ,\tchunked,\r\n\r\n0\r\n\r\n' } },
  { name: 'another field that only looks alike', exchange: { response: 'HTTP/1.1 200 OK\r\nX-Transfer-Encoding: chunked, chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' } },
  { name: 'a coding whose name contains chunked', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked, chunked\r\n\r\n0\r\n\r\n' } },
  { name: 'Transfer-Encoding in the trailer section', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked, chunked\r\n\r\n' } },
  { name: 'the text inside a Content-Length body', exchange: { request: 'POST / HTTP/1.1\r\nContent-Length: 37\r\n\r\nTransfer-Encoding: chunked, chunked\r\n' } },
];

describe('rule te-chunked-twice', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = singleFinding(rule, c.exchange, c.covers);
      assert.deepEqual((finding.related ?? []).map((r) => coveredText(c.exchange, { ...r, direction: finding.direction })), c.related);
      assert.ok(finding.message.startsWith(`"${c.covers}" applies chunked ${c.times} times`), finding.message);
      assert.equal(finding.severity, 'error');
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped', () => {
    const exchange = { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \x1b[2J, chunked\r\n\r\n0\r\n\r\n' };
    assertQuotesEscaped(rule, exchange, '"Transfer-Encoding: chunked, \\x1b[2J, chunked"');
  });

  it('carries catalogue data: RFC 9112 §6.1 and the cited Envoy verdict', () => {
    assert.equal(rule.id, 'te-chunked-twice');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
