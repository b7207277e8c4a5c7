import * as assert from 'node:assert/strict';
import { tcpRstMidMessage as rule } from '../../../server/src/rules/tcp-rst-mid-message';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { connectionOf, findingsWithText, type SegmentSpec } from './ruleTestKit';

const { ACK, RST, FIN, SYN } = TcpFlag;

function run(script: readonly SegmentSpec[], handshake = true) {
  const connection = connectionOf(script, handshake);
  return findingsWithText(rule, connection).findings;
}

const GET = 'GET /orders/42 HTTP/1.1\r\nHost: api\r\n\r\n';

describe('tcp-rst-mid-message', () => {
  describe('fires', () => {
    it('the upstream resets with the request unanswered ("upstream reset before headers")', () => {
      const findings = run([{ from: 'client', data: GET }, { from: 'server', flags: RST | ACK }]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text, f.frame]), [['client-to-server', GET, 4]]);
      assert.match(findings[0].message, /^Request "GET \/orders\/42 HTTP\/1\.1" \(frame 4\) was never answered: the server reset the connection \(RST, frame 5\)/);
      assert.match(findings[0].message, /503 UC/);
    });

    it('a response cut mid-body: the finding covers what arrived of it', () => {
      const partial = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"order":42,';
      const findings = run([{ from: 'client', data: GET }, { from: 'server', data: partial }, { from: 'server', flags: RST | ACK }]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text]), [['server-to-client', partial]]);
      assert.match(findings[0].message, /was cut short: the server reset the connection \(RST, frame 6\) before it was complete \(12 body bytes arrived of the 100 declared\)/);
    });

    it('a chunked response cut before its last chunk', () => {
      const partial = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{"order":42,\r\n';
      const findings = run([{ from: 'client', data: GET }, { from: 'server', data: partial }, { from: 'server', flags: RST | ACK }]);
      assert.deepEqual(findings.map((f) => f.text), [partial]);
    });

    it('a response whose header section never completed', () => {
      const partial = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n';
      const [f] = run([{ from: 'client', data: GET }, { from: 'server', data: partial }, { from: 'server', flags: RST | ACK }]);
      assert.equal(f.text, partial);
      assert.match(f.message, /its header section never completed/);
    });

    it('a close-delimited response that ended with a reset instead of a FIN (RFC 9112 §8)', () => {
      const response = 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npartial bo';
      const [f] = run([{ from: 'client', data: GET }, { from: 'server', data: response }, { from: 'server', flags: RST | ACK }]);
      assert.equal(f.text, response);
      assert.match(f.message, /a reset is not a clean end, so the body may be truncated/);
    });

    it('an upload cut short by the client', () => {
      const partial = 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nfirst part';
      const findings = run([{ from: 'client', data: partial }, { from: 'client', flags: RST | ACK }]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text]), [['client-to-server', partial]]);
      assert.match(findings[0].message, /the client reset the connection \(RST, frame 5\) before all of it was sent/);
      assert.match(findings[0].message, /flag DC/);
    });

    it('a status line that never got its line end', () => {
      const findings = run([{ from: 'client', data: GET }, { from: 'server', data: 'HTTP/1.1 200' }, { from: 'server', flags: RST | ACK }]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text]), [['server-to-client', 'HTTP/1.1 200']]);
    });

    it('pipelined requests: the first unanswered one, and a count of the rest', () => {
      const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
      const [f] = run([{ from: 'client', data: GET + 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n' + 'GET /3 HTTP/1.1\r\nHost: h\r\n\r\n' }, { from: 'server', data: ok }, { from: 'server', flags: RST | ACK }]);
      assert.equal(f.text, 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.match(f.message, /1 more request after it got no answer either/);
    });
  });

  describe('stays silent', () => {
    it('zeek ctu-62604-80: a reset long after a complete exchange (idle keep-alive teardown)', () => {
      const response = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n...ok';
      assert.deepEqual(run([{ from: 'client', data: GET }, { from: 'server', data: response }, { from: 'client', flags: RST | ACK, window: 0, time: 36.7 }]), []);
    });

    it('a refused connection (RST answering the SYN)', () => {
      assert.deepEqual(run([{ from: 'client', flags: SYN }, { from: 'server', flags: RST | ACK }], false), []);
    });

    it('an incomplete response without any reset (the capture just ended)', () => {
      assert.deepEqual(run([{ from: 'client', data: GET }, { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc' }]), []);
    });

    it('a close-delimited response ended by FIN, with an RST after it', () => {
      assert.deepEqual(
        run([{ from: 'client', data: GET }, { from: 'server', data: 'HTTP/1.1 200 OK\r\n\r\nall of it' }, { from: 'server', flags: FIN | ACK }, { from: 'server', flags: RST | ACK }]),
        [],
      );
    });

    it('a stream that is not HTTP', () => {
      assert.deepEqual(run([{ from: 'client', data: '\x16\x03\x01\x00\x05hello' }, { from: 'server', flags: RST | ACK }]), []);
    });
  });
});
