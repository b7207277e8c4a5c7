import * as assert from 'node:assert/strict';
import { connectionCloseReuse as rule } from '../../../server/src/rules/connection-close-reuse';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { connectionOf, findingsWithText, type SegmentSpec } from './ruleTestKit';

/** Findings with the text each covers (and each related entry covers) in its direction. */
function run(script: readonly SegmentSpec[]) {
  const connection = connectionOf(script);
  const { streams, findings } = findingsWithText(rule, connection);
  return findings.map((f) => ({
    ...f,
    relatedText: (f.related ?? []).map((r) => [r.direction, streams[r.direction ?? f.direction].slice(r.offset, r.offset + r.length)]),
  }));
}

const GET11 = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`;
const OK11 = (body: string, extra = '') => `HTTP/1.1 200 OK\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`;

describe('connection-close-reuse', () => {
  describe('fires', () => {
    it('suricata http-async: HTTP/1.0 without keep-alive, Connection: close, then a second request and a second response', () => {
      const req1 = 'GET /1 HTTP/1.0\r\nUser-Agent: Mozilla\r\n\r\n';
      const resp1 = 'HTTP/1.0 200 OK\r\nServer: Apache\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\nHello World!\n';
      const req2 = 'GET /2 HTTP/1.0\r\nUser-Agent: Mozilla\r\n\r\n';
      const resp2 = 'HTTP/1.0 200 OK\r\nServer: Apache\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\nHello People';
      const findings = run([
        { from: 'client', data: req1 }, // frame 4
        { from: 'server', data: resp1 }, // frame 5
        { from: 'client', data: req2 }, // frame 6
        { from: 'server', data: resp2 }, // frame 7
      ]);
      assert.deepEqual(
        findings.map((f) => [f.direction, f.text, f.frame]),
        [
          ['client-to-server', req2, 6],
          // The stray LF after the first body is skipped: the finding starts at the second response.
          ['server-to-client', resp2, 7],
        ],
      );
      const [client, server] = findings;
      assert.match(client.message, /^Request "GET \/2 HTTP\/1\.0" \(frame 6\) was sent after the connection was announced to close: /);
      assert.match(client.message, /the client's request "GET \/1 HTTP\/1\.0" \(frame 4\) is HTTP\/1\.0 without keep-alive/);
      assert.match(client.message, /the server's response "HTTP\/1\.0 200 OK" \(frame 5\) said "Connection: close"/);
      assert.deepEqual(client.relatedText, [
        ['client-to-server', 'GET /1 HTTP/1.0'],
        ['server-to-client', 'Connection: close'],
      ]);
      assert.match(server.message, /^Response "HTTP\/1\.0 200 OK" \(frame 7\) was sent after/);
      assert.match(server.message, /A server must close the connection/);
    });

    it('a client that pipelines a request after its own Connection: close (and a server that answers it)', () => {
      const req2 = GET11('/2');
      const findings = run([
        { from: 'client', data: GET11('/1', 'Connection: close\r\n') + req2 + GET11('/3') },
        { from: 'server', data: OK11('one') + OK11('two') },
      ]);
      assert.deepEqual(
        findings.map((f) => [f.direction, f.text]),
        [
          ['client-to-server', req2],
          ['server-to-client', OK11('two')],
        ],
      );
      assert.match(findings[0].message, /1 more request followed\.$/);
      assert.deepEqual(findings[0].relatedText, [['client-to-server', 'Connection: close']]);
      assert.deepEqual(findings[1].relatedText, [['client-to-server', 'Connection: close']]);
    });

    it('a request sent after the server\'s "Connection: keep-alive, Close" arrived (options are case-insensitive)', () => {
      const findings = run([
        { from: 'client', data: GET11('/1') },
        { from: 'server', data: OK11('x', 'Connection: keep-alive, Close\r\n') },
        { from: 'client', data: GET11('/2') },
      ]);
      assert.deepEqual(findings.map((f) => [f.direction, f.text]), [['client-to-server', GET11('/2')]]);
      assert.deepEqual(findings[0].relatedText, [['server-to-client', 'Connection: keep-alive, Close']]);
    });
  });

  describe('stays silent', () => {
    it('HTTP/1.1 keep-alive reuse', () => {
      assert.deepEqual(run([{ from: 'client', data: GET11('/1') }, { from: 'server', data: OK11('a') }, { from: 'client', data: GET11('/2') }, { from: 'server', data: OK11('b') }]), []);
    });

    it('HTTP/1.0 with keep-alive on both sides', () => {
      const req = (p: string) => `GET ${p} HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n`;
      const resp = 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx';
      assert.deepEqual(run([{ from: 'client', data: req('/1') }, { from: 'server', data: resp }, { from: 'client', data: req('/2') }, { from: 'server', data: resp }]), []);
    });

    it('a request pipelined before the server\'s close could arrive, left unanswered', () => {
      assert.deepEqual(
        run([
          { from: 'client', data: GET11('/1') + GET11('/2') },
          { from: 'server', data: OK11('a', 'Connection: close\r\n') },
          { from: 'server', flags: TcpFlag.FIN | TcpFlag.ACK },
        ]),
        [],
      );
    });

    it('only line ends after the close (RFC 9112 §2.2 lets them be discarded)', () => {
      assert.deepEqual(run([{ from: 'client', data: GET11('/1', 'Connection: close\r\n') + '\r\n' }, { from: 'server', data: OK11('a', 'Connection: close\r\n') + '\r\n' }]), []);
    });

    it('suricata http-evader-242: body bytes left over by conflicting Content-Lengths are not a further response', () => {
      const response = 'HTTP/1.1 200 ok\r\nConnection: close\r\nContent-length: 68\r\nContent-length: 34\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR';
      assert.deepEqual(run([{ from: 'client', data: GET11('/clen') }, { from: 'server', data: response }]), []);
    });

    it('a close-delimited response (its body runs to the end of the connection)', () => {
      assert.deepEqual(run([{ from: 'client', data: GET11('/1') }, { from: 'server', data: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody, then more body' }]), []);
    });
  });
});
