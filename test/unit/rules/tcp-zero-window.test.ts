import * as assert from 'node:assert/strict';
import { tcpZeroWindow as rule } from '../../../server/src/rules/tcp-zero-window';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { connectionOf, findingsWithText, type SegmentSpec } from './ruleTestKit';

const { ACK, RST } = TcpFlag;

function run(script: readonly SegmentSpec[]) {
  const connection = connectionOf(script);
  const { streams, findings } = findingsWithText(rule, connection);
  return findings.map((f) => ({
    ...f,
    relatedText: (f.related ?? []).map((r) => streams[r.direction ?? f.direction].slice(r.offset, r.offset + r.length)),
  }));
}

const HEAD = 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n';

describe('tcp-zero-window', () => {
  describe('fires', () => {
    it('the server stops reading an upload: the finding is on the bytes that had to wait', () => {
      const findings = run([
        { from: 'client', data: HEAD + 'part one..', time: 1 }, // frame 4
        { from: 'server', window: 0, time: 1.01 }, // frame 5
        { from: 'server', window: 0, time: 3 }, // frame 6 (still shut)
        { from: 'client', data: 'part two..', time: 6 }, // frame 7
        { from: 'client', data: 'the end...', time: 6.01 },
        { from: 'server', data: 'HTTP/1.1 204 No Content\r\n\r\n', time: 6.02 },
      ]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text, f.frame]), [['client-to-server', 'part two..', 7]]);
      assert.ok(
        findings[0].message.startsWith(
          'The server advertised a zero receive window (frames 5–6, 2 segments) while the client was in the middle of "POST /upload HTTP/1.1": ' +
            'its next bytes could only go out in frame 7, 5.00 s after its previous bytes (frame 4). ',
        ),
        findings[0].message,
      );
    });

    it('a client that stops reading a download for good: the finding is on the last bytes before the stall', () => {
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n';
      const findings = run([
        { from: 'client', data: 'GET /big HTTP/1.1\r\nHost: h\r\n\r\n' },
        { from: 'server', data: head + 'aaaa' }, // frame 5
        { from: 'server', data: 'bbbb' }, // frame 6
        { from: 'client', window: 0 }, // frame 7
        { from: 'client', window: 0 },
        { from: 'server', flags: RST | ACK },
      ]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text, f.frame]), [['server-to-client', 'bbbb', 6]]);
      assert.match(findings[0].message, /The client advertised a zero receive window \(frames 7–8, 2 segments\) while the server was in the middle of "HTTP\/1\.1 200 OK": the server never sent again/);
    });

    it('several stalls: one finding on the first, the others related', () => {
      const findings = run([
        { from: 'client', data: HEAD + '0123456789' },
        { from: 'server', window: 0 },
        { from: 'client', data: 'abcdefghij' },
        { from: 'server', window: 0 },
        { from: 'client', data: 'ABCDEFGHIJ' },
        { from: 'server', data: 'HTTP/1.1 204 No Content\r\n\r\n' },
      ]);
      assert.deepEqual(findings.map((f) => [f.text, f.relatedText]), [['abcdefghij', ['ABCDEFGHIJ']]]);
      assert.match(findings[0].message, /The window closed with data pending 1 more time on this connection\.$/);
    });

    it('a stream that is not HTTP: any bytes held back count', () => {
      const findings = run([{ from: 'client', data: '\x16\x03\x01\x00\x10hello' }, { from: 'server', window: 0 }, { from: 'client', data: 'more bytes' }]);
      assert.deepEqual(findings.map((f) => f.text), ['more bytes']);
    });
  });

  describe('stays silent', () => {
    it('a zero window on an idle keep-alive connection, before the next request starts', () => {
      assert.deepEqual(
        run([
          { from: 'client', data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n' },
          { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx' },
          { from: 'server', window: 0 },
          { from: 'client', data: 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
        ]),
        [],
      );
    });

    it('a zero window after everything was sent', () => {
      assert.deepEqual(
        run([{ from: 'client', data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n' }, { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx' }, { from: 'client', window: 0 }]),
        [],
      );
    });

    it('zeek ctu-62604-80: an RST carrying window 0 is not a zero-window advertisement', () => {
      assert.deepEqual(
        run([{ from: 'client', data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n' }, { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nx' }, { from: 'client', flags: RST | ACK, window: 0 }]),
        [],
      );
    });
  });
});
