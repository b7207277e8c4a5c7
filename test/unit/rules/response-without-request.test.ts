import * as assert from 'node:assert/strict';
import { responseWithoutRequest as rule } from '../../../server/src/rules/response-without-request';
import { TcpReassembler } from '../../../server/src/tcp/tcpReassembler';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { bytes } from '../helpers';
import { CLIENT, connectionOf, runRuleOn, SERVER, type SegmentSpec } from './ruleTestKit';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;
const OK = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** Findings with the text each covers in the server's stream. */
function run(script: readonly SegmentSpec[], handshake = true) {
  const connection = connectionOf(script, handshake);
  const stream = Buffer.from(connection.serverToClient.bytes).toString('latin1');
  return runRuleOn(rule, connection).map((f) => ({ ...f, text: stream.slice(f.offset, f.offset + f.length) }));
}

describe('response-without-request', () => {
  describe('fires', () => {
    it('zeek http-desync-request-response-5: two extra responses sent with the first answer', () => {
      // One request, three responses in one segment, then each later request gets one response.
      const [r1, r2, r3, r4, r5] = ['a', 'b', 'c', 'd', 'e'].map(OK);
      const findings = run([
        { from: 'client', data: GET('/') }, // frame 4
        { from: 'server', data: r1 + r2 + r3 }, // frame 5
        { from: 'client', data: GET('/') },
        { from: 'server', data: r4 },
        { from: 'client', data: GET('/') },
        { from: 'server', data: r5 },
      ]);
      // The stray responses are the 2nd and 3rd (sent before request 2 existed), not the last two.
      assert.deepEqual(
        findings.map((f) => [f.direction, f.text, f.frame]),
        [
          ['server-to-client', r2, 5],
          ['server-to-client', r3, 5],
        ],
      );
      assert.match(findings[0].message, /^Response "HTTP\/1\.1 200 OK" \(frame 5\) answers no request: the 1 request sent before it had already been answered/);
      assert.match(findings[0].message, /RFC 9112 §9\.2/);
    });

    it('a response before any request', () => {
      const [f] = run([{ from: 'server', data: OK('hello') }, { from: 'client', data: GET('/') }, { from: 'server', data: OK('x') }]);
      assert.equal(f.text, OK('hello'));
      assert.match(f.message, /no request had been sent on this connection before it/);
    });

    it('one response too many at the end of a pipelined exchange', () => {
      const findings = run([
        { from: 'client', data: GET('/1') + GET('/2') },
        { from: 'server', data: OK('1') + OK('2') },
        { from: 'server', data: OK('3') },
      ]);
      assert.deepEqual(findings.map((f) => f.text), [OK('3')]);
      assert.match(findings[0].message, /the 2 requests sent before it had already been answered/);
    });

    it('a 1xx after the final response: interim responses need an outstanding request too', () => {
      const findings = run([{ from: 'client', data: GET('/') }, { from: 'server', data: OK('x') }, { from: 'server', data: 'HTTP/1.1 100 Continue\r\n\r\n' }]);
      assert.deepEqual(findings.map((f) => f.text), ['HTTP/1.1 100 Continue\r\n\r\n']);
    });

    it('an idle-connection 408 is reported, with a note on what it usually means', () => {
      const timeout = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
      const [f] = run([{ from: 'client', data: GET('/') }, { from: 'server', data: OK('x') }, { from: 'server', data: timeout }]);
      assert.equal(f.text, timeout);
      assert.match(f.message, /408 on an idle connection usually announces a close/);
    });
  });

  describe('stays silent', () => {
    it('pipelined requests answered in order', () => {
      assert.deepEqual(run([{ from: 'client', data: GET('/1') + GET('/2') }, { from: 'server', data: OK('1') + OK('2') }]), []);
    });

    it('100 Continue, then the final response', () => {
      const post = 'POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n';
      assert.deepEqual(
        run([{ from: 'client', data: post }, { from: 'server', data: 'HTTP/1.1 100 Continue\r\n\r\n' }, { from: 'client', data: 'hi' }, { from: 'server', data: OK('ok') }]),
        [],
      );
    });

    it('an early response to a request still being sent (413 before the body)', () => {
      const head = 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n';
      assert.deepEqual(run([{ from: 'client', data: head }, { from: 'server', data: 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n' }, { from: 'client', data: '0123456789' }]), []);
    });

    it('no SYN: earlier requests may predate the capture', () => {
      assert.deepEqual(run([{ from: 'server', data: OK('a') }, { from: 'client', data: GET('/') }, { from: 'server', data: OK('b') }], false), []);
    });

    it('after unparsable client bytes: the requests they hold are unknown', () => {
      assert.deepEqual(run([{ from: 'client', data: GET('/') }, { from: 'server', data: OK('a') }, { from: 'client', data: '\x16\x03\x01garbage\r\n\r\n' }, { from: 'server', data: OK('b') }]), []);
    });

    it('after a gap in the client stream: the missing bytes may hold a request', () => {
      const reassembler = new TcpReassembler();
      const add = (frame: number, from: 'client' | 'server', seq: number, data: string, flags = TcpFlag.ACK | TcpFlag.PSH) =>
        reassembler.add({
          frame, time: frame / 1000, stream: 0, seq, flags, window: 65535, payload: bytes(data), capturedLength: 54 + data.length,
          src: from === 'client' ? CLIENT : SERVER, dst: from === 'client' ? SERVER : CLIENT,
        });
      add(1, 'client', 100, '', TcpFlag.SYN);
      add(2, 'server', 900, '', TcpFlag.SYN | TcpFlag.ACK);
      add(3, 'client', 101, GET('/1'));
      add(4, 'server', 901, OK('a'));
      add(5, 'client', 101 + GET('/1').length + 30, GET('/3')); // 30 bytes (request 2) not captured
      add(6, 'server', 901 + OK('a').length, OK('b') + OK('c'));
      const [connection] = reassembler.finish();
      assert.equal(connection.clientToServer.gaps.length, 1);
      assert.deepEqual(runRuleOn(rule, connection), []);
    });
  });
});
