import * as assert from 'node:assert/strict';
import type { Finding } from '../../../protocol/model';
import { contentLengthMismatch as rule } from '../../../server/src/rules/content-length-mismatch';
import { TcpReassembler } from '../../../server/src/tcp/tcpReassembler';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { bytes } from '../helpers';
import { CLIENT, SERVER, connectionOf, coveredText, runRule, runRuleOn } from './ruleTestKit';

const FIN = TcpFlag.ACK | TcpFlag.FIN;
const RST = TcpFlag.ACK | TcpFlag.RST;
const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';

function relatedTexts(exchange: { request?: string; response?: string }, finding: Finding): string[] {
  return (finding.related ?? []).map((r) => coveredText(exchange, { ...r, direction: finding.direction }));
}

describe('rule content-length-mismatch', () => {
  describe('bytes after the declared body', () => {
    it('fires on a response whose body is longer than declared; covers exactly the extra bytes', () => {
      const exchange = { request: GET, response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, world' };
      const findings = runRule(rule, exchange);
      assert.equal(findings.length, 1);
      assert.equal(coveredText(exchange, findings[0]), ', world');
      assert.equal(findings[0].severity, 'error');
      assert.deepEqual(relatedTexts(exchange, findings[0]), ['Content-Length: 5', 'hello']);
      assert.match(findings[0].message, /^7 bytes follow the 5-byte body/);
    });

    it('fires on a request whose extra bytes do not start another request', () => {
      const exchange = { request: 'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloworld' };
      const [finding, ...rest] = runRule(rule, exchange);
      assert.equal(rest.length, 0);
      assert.equal(finding.direction, 'client-to-server');
      assert.equal(coveredText(exchange, finding), 'world');
    });

    it('suricata http-async: one stray LF before the next response is a warning that covers only the LF', () => {
      const exchange = {
        request: 'GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n',
        response: 'HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nHello World!\nHTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nHello People',
      };
      const findings = runRule(rule, exchange);
      assert.equal(findings.length, 1);
      assert.equal(coveredText(exchange, findings[0]), '\n');
      assert.equal(findings[0].severity, 'warning');
      assert.match(findings[0].message, /stray line-end byte/);
    });

    it('does not fire when the next message follows the body directly, or after empty lines before a request line', () => {
      assert.deepEqual(runRule(rule, { request: 'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n' }), []);
      assert.deepEqual(runRule(rule, { request: 'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\r\n\r\nGET / HTTP/1.1\r\n\r\n' }), []);
      assert.deepEqual(runRule(rule, { request: 'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\r\n' }), []);
      assert.deepEqual(runRule(rule, { request: `${GET}${GET}`, response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }), []);
    });

    it('does not fire on other framings: chunked, close-delimited, a response to HEAD', () => {
      assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\njunk' }), []);
      assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\n\r\nread to the close' }), []);
      assert.deepEqual(runRule(rule, { request: 'HEAD / HTTP/1.1\r\n\r\n', response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' }), []);
    });

    it('does not fire when the capture lost bytes after the body began (they may be the next message)', () => {
      const reassembler = new TcpReassembler();
      const base = { time: 1, stream: 0, window: 65535, capturedLength: 0 };
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234';
      reassembler.add({ ...base, frame: 1, src: CLIENT, dst: SERVER, seq: 100, flags: TcpFlag.SYN, payload: new Uint8Array() });
      reassembler.add({ ...base, frame: 2, src: SERVER, dst: CLIENT, seq: 900, flags: TcpFlag.SYN | TcpFlag.ACK, payload: new Uint8Array() });
      reassembler.add({ ...base, frame: 3, src: SERVER, dst: CLIENT, seq: 901, flags: TcpFlag.ACK, payload: bytes(head) });
      // Five body bytes and the next response's first bytes were never captured.
      reassembler.add({ ...base, frame: 4, src: SERVER, dst: CLIENT, seq: 901 + head.length + 12, flags: TcpFlag.ACK, payload: bytes('.1 200 OK\r\nContent-Length: 0\r\n\r\n') });
      assert.deepEqual(runRuleOn(rule, reassembler.finish()[0]), []);
    });
  });

  describe('a body cut short by its sender', () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it';

    it('fires when the server closes (FIN) before the declared length; covers the Content-Length line', () => {
      const exchange = { request: GET, response };
      const findings = runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response, flags: FIN | TcpFlag.PSH }]));
      assert.equal(findings.length, 1);
      assert.equal(coveredText(exchange, findings[0]), 'Content-Length: 100');
      assert.deepEqual(relatedTexts(exchange, findings[0]), ['only part of it']);
      assert.match(findings[0].message, /declares 100 bytes, but only 15 arrived before the server closed the connection \(FIN in frame 5\)/);
    });

    it('fires on a request whose client closes early', () => {
      const request = 'POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc';
      const findings = runRuleOn(rule, connectionOf([{ from: 'client', data: request, flags: FIN }]));
      assert.equal(findings.length, 1);
      assert.equal(findings[0].direction, 'client-to-server');
      assert.match(findings[0].message, /only 3 arrived before the client closed/);
    });

    it('does not fire when no FIN or RST was captured (the capture stopped: incomplete-message)', () => {
      assert.deepEqual(runRule(rule, { request: GET, response }), []);
    });

    it('does not fire when either side reset the connection (tcp-rst-mid-message)', () => {
      assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response }, { from: 'client', flags: RST }])), []);
      assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response }, { from: 'server', flags: RST }])), []);
    });

    it('does not fire when the body is complete and then the server closes', () => {
      const complete = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
      assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: complete, flags: FIN }])), []);
    });
  });

  it('carries catalogue data: RFC 9112 §6.3, connection scope, the cited Envoy verdict, an example that fires', () => {
    assert.equal(rule.scope, 'connection');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.3']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.equal(runRule(rule, rule.example!).length, 1);
  });
});
