import * as assert from 'node:assert/strict';
import { missingLastChunk as rule } from '../../../server/src/rules/missing-last-chunk';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { connectionOf, coveredText, runRule, runRuleOn } from './ruleTestKit';

const FIN = TcpFlag.ACK | TcpFlag.FIN | TcpFlag.PSH;
const RST = TcpFlag.ACK | TcpFlag.RST;
const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

/** Findings when the server sends `response` and then closes with `flags` in the same segment. */
function closedAfter(response: string, flags: number = FIN) {
  return runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response, flags }]));
}

const FIRING: readonly { name: string; body: string; covers: string; says: string }[] = [
  { name: 'after a complete chunk', body: '5\r\nhello\r\n', covers: '5\r\nhello', says: 'after a 5-byte chunk, without the last chunk "0"' },
  { name: 'in the middle of a chunk', body: '5\r\nhello\r\na\r\n01234', covers: 'a\r\n01234', says: 'in the middle of a 10-byte chunk (5 bytes of it arrived)' },
  { name: 'in a chunk-size line', body: '5\r\nhello\r\n3', covers: '5\r\nhello\r\n3', says: 'after a 5-byte chunk' },
  { name: 'after "0" but before the trailer section ends', body: '5\r\nhello\r\n0\r\nX-Sum: 1\r\n', covers: '0\r\nX-Sum: 1', says: 'after the last chunk "0" but before the empty line' },
  { name: 'before any chunk: the finding is on Transfer-Encoding', body: '', covers: 'Transfer-Encoding: chunked', says: 'before any chunk' },
];

describe('rule missing-last-chunk', () => {
  for (const c of FIRING) {
    it(`fires when the server closes ${c.name}`, () => {
      const exchange = { request: GET, response: HEAD + c.body };
      const findings = closedAfter(exchange.response);
      assert.equal(findings.length, 1);
      assert.equal(coveredText(exchange, findings[0]), c.covers);
      assert.ok(findings[0].message.includes(c.says), findings[0].message);
      assert.match(findings[0].message, /the server closed the connection \(FIN in frame 5\)/);
      assert.equal(findings[0].severity, 'error');
      const related = (findings[0].related ?? []).map((r) => coveredText(exchange, { ...r, direction: findings[0].direction }));
      assert.deepEqual(related, c.body ? ['Transfer-Encoding: chunked'] : []);
    });
  }

  it('fires on a request whose client closes', () => {
    const request = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n';
    const [finding, ...rest] = runRuleOn(rule, connectionOf([{ from: 'client', data: request, flags: FIN }]));
    assert.equal(rest.length, 0);
    assert.equal(finding.direction, 'client-to-server');
    assert.match(finding.message, /the client closed the connection/);
  });

  it('does not fire on a complete chunked body, with or without trailers, then a close', () => {
    assert.deepEqual(closedAfter(`${HEAD}5\r\nhello\r\n0\r\n\r\n`), []);
    assert.deepEqual(closedAfter(`${HEAD}5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n`), []);
  });

  it('does not fire when no FIN or RST was captured (incomplete-message), or on a reset by either side (tcp-rst-mid-message)', () => {
    assert.deepEqual(runRule(rule, { request: GET, response: `${HEAD}5\r\nhello\r\n` }), []);
    assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: `${HEAD}5\r\nhello\r\n` }, { from: 'client', flags: RST }])), []);
    assert.deepEqual(closedAfter(`${HEAD}5\r\nhello\r\n`, RST), []);
  });

  it('does not fire when the parse stopped at an invalid chunk size (invalid-chunk-size)', () => {
    assert.deepEqual(closedAfter(`${HEAD}fx\r\nhello\r\n0\r\n\r\n`), []);
  });

  it('does not fire on a Content-Length body cut short (content-length-mismatch)', () => {
    assert.deepEqual(closedAfter('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello'), []);
  });

  it('carries catalogue data: RFC 9112 §8, connection scope, the cited Envoy verdict', () => {
    assert.equal(rule.scope, 'connection');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '8']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.match(rule.verdicts[0].summary, /HPE_INVALID_EOF_STATE/);
  });
});
