import * as assert from 'node:assert/strict';
import { tcpOverlapConflict as rule } from '../../../server/src/rules/tcp-overlap-conflict';
import { connectionOf, findingsWithText, type SegmentSpec } from './ruleTestKit';

function run(script: readonly SegmentSpec[]) {
  const connection = connectionOf(script);
  return { connection, findings: findingsWithText(rule, connection).findings };
}

const REQUEST = 'GET /aaaa HTTP/1.1\r\nHost: h\r\n\r\n';

describe('tcp-overlap-conflict', () => {
  describe('fires', () => {
    it('a retransmission that rewrites the request target: the finding covers exactly the differing bytes', () => {
      const { connection, findings } = run([
        { from: 'client', data: REQUEST }, // frame 4
        { from: 'client', data: '/bbbb HTTP', at: 4 }, // frame 5: same range, different target
        { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      ]);
      // The reassembler keeps the first copy and records the other (data is the retransmitted copy).
      assert.equal(Buffer.from(connection.clientToServer.bytes).toString('latin1'), REQUEST);
      assert.deepEqual(
        connection.clientToServer.conflicts.map((c) => [c.offset, c.length, c.frame, Buffer.from(c.data).toString('latin1')]),
        [[4, 10, 5, '/bbbb HTTP']],
      );
      assert.deepEqual(findings.map((f) => [f.direction, f.text, f.offset, f.frame]), [['client-to-server', 'aaaa', 5, 4]]);
      assert.equal(
        findings[0].message,
        'Frame 5 re-sent bytes 5–9 of the client\'s stream inside request "GET /aaaa HTTP/1.1" (start line or header section) with different content: ' +
          'the first copy (frame 4, shown here) reads "aaaa", the retransmission "bbbb". A receiver, a proxy and an IDS may each have kept a different copy: a sign of evasion or corruption.',
      );
    });

    it('a segment that overlaps the end of the data with different bytes and carries new ones', () => {
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n';
      const { findings } = run([
        { from: 'client', data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
        { from: 'server', data: head + 'safe' },
        { from: 'server', data: 'EVILdata', at: head.length },
      ]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text]), [['server-to-client', 'safe']]);
      assert.match(findings[0].message, /inside response "HTTP\/1\.1 200 OK" \(body\)/);
      assert.match(findings[0].message, /reads "safe", the retransmission "EVIL"/);
    });

    it('bytes are quoted escaped', () => {
      const { findings } = run([{ from: 'client', data: REQUEST }, { from: 'client', data: '/\x1b[2J', at: 4 }]);
      assert.match(findings[0].message, /the retransmission "\\x1b\[2J"/);
    });
  });

  describe('stays silent', () => {
    it('an exact retransmission', () => {
      assert.deepEqual(run([{ from: 'client', data: REQUEST }, { from: 'client', data: REQUEST, at: 0 }]).findings, []);
    });

    it('zeek ctu-62604-80: every frame captured twice', () => {
      const response = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n...ok';
      assert.deepEqual(
        run([
          { from: 'client', data: REQUEST },
          { from: 'client', data: REQUEST, at: 0 },
          { from: 'server', data: response },
          { from: 'server', data: response, at: 0 },
        ]).findings,
        [],
      );
    });
  });
});
