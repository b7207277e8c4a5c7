import * as assert from 'node:assert/strict';
import { incompleteMessage as rule } from '../../../server/src/rules/incomplete-message';
import { TcpReassembler } from '../../../server/src/tcp/tcpReassembler';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { bytes } from '../helpers';
import { CLIENT, SERVER, connectionOf, coveredText, runRule, runRuleOn } from './ruleTestKit';

const FIN = TcpFlag.ACK | TcpFlag.FIN | TcpFlag.PSH;
const RST = TcpFlag.ACK | TcpFlag.RST;
const GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';

describe('rule incomplete-message', () => {
  describe('the capture simply stopped (info)', () => {
    const CASES: readonly { name: string; exchange: { request?: string; response?: string }; covers: string; says: string }[] = [
      {
        name: 'inside a Content-Length body: covers the body bytes that came',
        exchange: { request: GET, response: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part' },
        covers: 'only part',
        says: 'stops 9 bytes into a body of 100 bytes (Content-Length)',
      },
      {
        name: 'right after the header section: covers Content-Length',
        exchange: { request: GET, response: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' },
        covers: 'Content-Length: 100',
        says: 'before any of its 100-byte body',
      },
      {
        name: 'inside a chunked body',
        exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n' },
        covers: '5\r\nhello\r\n',
        says: 'inside its chunked body (10 bytes, 1 chunk-size line',
      },
      {
        name: 'suricata http-chunked: a request declaring chunked, with no body captured',
        exchange: { request: 'HEAD /f HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nTransfer-Encoding: ,\tchunked,\r\n\r\n' },
        covers: 'Transfer-Encoding: ,\tchunked,',
        says: 'before its chunked body began',
      },
      {
        name: 'inside a header section: covers the message so far',
        exchange: { request: GET, response: 'HTTP/1.1 200 OK\r\nContent-Type: text/pl' },
        covers: 'HTTP/1.1 200 OK\r\nContent-Type: text/pl',
        says: 'inside the header section (38 bytes, no empty line yet)',
      },
      {
        name: 'inside a request line',
        exchange: { request: 'GET /index.html HTTP/1.' },
        covers: 'GET /index.html HTTP/1.',
        says: 'stops inside its start line',
      },
    ];
    for (const c of CASES) {
      it(`fires: ${c.name}`, () => {
        const findings = runRule(rule, c.exchange);
        assert.equal(findings.length, 1);
        assert.equal(coveredText(c.exchange, findings[0]), c.covers);
        assert.equal(findings[0].severity, 'info');
        assert.ok(findings[0].message.includes(c.says), findings[0].message);
        assert.match(findings[0].message, /no FIN from the (client|server) and no RST was captured/);
      });
    }

    it('says so when the capture lost bytes of the message', () => {
      const reassembler = new TcpReassembler();
      const base = { time: 1, stream: 0, window: 65535, capturedLength: 0 };
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n01234';
      reassembler.add({ ...base, frame: 1, src: CLIENT, dst: SERVER, seq: 100, flags: TcpFlag.SYN, payload: new Uint8Array() });
      reassembler.add({ ...base, frame: 2, src: SERVER, dst: CLIENT, seq: 900, flags: TcpFlag.SYN | TcpFlag.ACK, payload: new Uint8Array() });
      reassembler.add({ ...base, frame: 3, src: SERVER, dst: CLIENT, seq: 901, flags: TcpFlag.ACK, payload: bytes(head) });
      reassembler.add({ ...base, frame: 4, src: SERVER, dst: CLIENT, seq: 901 + head.length + 50, flags: FIN, payload: bytes('56789') });
      const [finding, ...rest] = runRuleOn(rule, reassembler.finish()[0]);
      assert.equal(rest.length, 0);
      assert.equal(finding.severity, 'info');
      assert.match(finding.message, /the capture missed 50 bytes of this direction/);
    });
  });

  describe('the connection ended it (warning)', () => {
    it('fires when the server closes inside its header section', () => {
      const response = 'HTTP/1.1 200 OK\r\nContent-Ty';
      const findings = runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response, flags: FIN }]));
      assert.equal(findings.length, 1);
      assert.equal(findings[0].severity, 'warning');
      assert.equal(coveredText({ response }, findings[0]), response);
      assert.match(findings[0].message, /the server closed the connection \(FIN in frame 5\) in the middle of it/);
    });

    it('fires when the client closes inside its request line', () => {
      const request = 'GET /index.html HTTP/1.';
      const findings = runRuleOn(rule, connectionOf([{ from: 'client', data: request, flags: FIN }]));
      assert.equal(findings.length, 1);
      assert.equal(findings[0].severity, 'warning');
      assert.equal(coveredText({ request }, findings[0]), request);
      assert.match(findings[0].message, /stops inside its start line: the client closed the connection \(FIN in frame 4\)/);
    });
  });

  describe('does not fire', () => {
    it('on complete messages, closed or not', () => {
      assert.deepEqual(runRule(rule, { request: GET, response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' }), []);
      assert.deepEqual(runRule(rule, { request: GET, response: 'HTTP/1.1 200 OK\r\n\r\nclose-delimited body' }), []);
      assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET, flags: FIN }, { from: 'server', data: 'HTTP/1.1 204 No Content\r\n\r\n', flags: FIN }])), []);
    });

    it('when the sender itself closed inside the body (content-length-mismatch, missing-last-chunk)', () => {
      const cl = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part';
      const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n';
      for (const response of [cl, chunked]) {
        assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response, flags: FIN }])), []);
      }
    });

    it('when either side reset the connection (tcp-rst-mid-message)', () => {
      const response = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part';
      assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: response }, { from: 'client', flags: RST }])), []);
      assert.deepEqual(runRuleOn(rule, connectionOf([{ from: 'client', data: GET }, { from: 'server', data: 'HTTP/1.1 200 OK\r\nX: y', flags: RST }])), []);
    });

    it('when the parse stopped at an invalid chunk size (invalid-chunk-size)', () => {
      assert.deepEqual(runRule(rule, { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfx\r\nhello\r\n0\r\n\r\n' }), []);
    });
  });

  it('carries catalogue data: RFC 9112 §8, connection scope, the cited Envoy verdict', () => {
    assert.equal(rule.scope, 'connection');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '8']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
    assert.equal(runRule(rule, rule.example!).length, 1);
  });
});
