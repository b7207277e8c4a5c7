import * as assert from 'node:assert/strict';
import { conflictingContentLength as rule } from '../../../server/src/rules/conflicting-content-length';
import { coveredText, itDoesNotFire, singleFinding } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

interface Firing {
  readonly name: string;
  readonly exchange: Exchange;
  readonly covers: string;
  readonly related: readonly string[];
  readonly values: string;
}

const FIRING: readonly Firing[] = [
  {
    name: 'HTTP-Evader 242: Content-length 68 and 34 on two lines',
    exchange: {
      response:
        'HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nConnection: close\r\nContent-length: 68\r\nContent-length: 34\r\n\r\n' +
        'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*',
    },
    covers: 'Content-length: 34',
    related: ['Content-length: 68'],
    values: '68, 34',
  },
  {
    name: 'suricata http-multiple-cl: a request with Content-Length 11 and 93',
    exchange: { request: 'POST /which.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length:11\r\nContent-Length:93\r\n\r\nbar=1&foo=2' },
    covers: 'Content-Length:93',
    related: ['Content-Length:11'],
    values: '11, 93',
  },
  {
    name: 'one line with a list of two values',
    exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\nhello' },
    covers: 'Content-Length: 5, 7',
    related: [],
    values: '5, 7',
  },
  {
    name: 'agreeing lines, then one that differs: the finding is on the one that differs',
    exchange: { request: 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello' },
    covers: 'Content-Length: 7',
    related: ['Content-Length: 5', 'Content-Length: 5'],
    values: '5, 7',
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'one Content-Length', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' } },
  { name: 'the same value twice (duplicate-content-length)', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello' } },
  { name: 'the same number written with a leading zero', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 05\r\nContent-Length: 5\r\n\r\nhello' } },
  { name: 'one valid value and one invalid (invalid-content-length)', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: abc\r\n\r\nhello' } },
  { name: 'Content-Length in the trailer section', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 9\r\n\r\n' } },
  { name: 'a field that only starts like Content-Length', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length-Hint: 9\r\n\r\nhello' } },
];

describe('rule conflicting-content-length', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = singleFinding(rule, c.exchange, c.covers);
      assert.deepEqual((finding.related ?? []).map((r) => coveredText(c.exchange, { ...r, direction: finding.direction })), c.related);
      assert.ok(finding.message.includes(`(${c.values})`), finding.message);
      assert.equal(finding.severity, 'error');
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('carries catalogue data: RFC 9112 §6.3 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.3']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.match(rule.verdicts[0].summary, /HPE_UNEXPECTED_CONTENT_LENGTH/);
  });
});
