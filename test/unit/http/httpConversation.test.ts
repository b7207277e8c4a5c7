import * as assert from 'node:assert/strict';
import { parseHttpConnection, parseHttpConversation } from '../../../server/src/http/httpConversation';
import { connectionOf } from '../rules/ruleTestKit';
import { bytes } from '../helpers';

describe('parseHttpConversation: streams that are not HTTP/1.x', () => {
  it('names a TLS handshake instead of parsing it', () => {
    // A TLS 1.2 record header (handshake, version 3.1) followed by a ClientHello's first bytes.
    const hello = bytes('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03');
    const conversation = parseHttpConversation(hello, bytes('\x16\x03\x03\x00\x5a\x02'));
    assert.equal(conversation.protocol, 'tls');
    assert.equal(conversation.requests.length + conversation.responses.length, 0);
  });

  it('names HTTP/2 with prior knowledge (the connection preface) instead of reading PRI as a request', () => {
    const preface = bytes('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00');
    const conversation = parseHttpConversation(preface, bytes('\x00\x00\x00\x04\x01\x00\x00\x00\x00'));
    assert.equal(conversation.protocol, 'http2');
    assert.equal(conversation.exchanges.length, 0);
  });

  it('still parses HTTP/1.1 whose method merely starts with P', () => {
    const conversation = parseHttpConversation(bytes('PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'), bytes('HTTP/1.1 204 No Content\r\n\r\n'));
    assert.equal(conversation.protocol, 'http');
    assert.equal(conversation.exchanges[0].response?.statusLine.status, 204);
  });

  it('calls other payload tcp and no payload empty', () => {
    assert.equal(parseHttpConversation(bytes('SSH-2.0-OpenSSH_9.2\r\n'), bytes('SSH-2.0-OpenSSH_9.2\r\n')).protocol, 'tcp');
    assert.equal(parseHttpConversation(new Uint8Array(0), new Uint8Array(0)).protocol, 'empty');
  });
});

describe('parseHttpConnection: gaps in the capture', () => {
  const requests = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n';
  const first = 'HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n' + 'A'.repeat(40);
  const second = 'HTTP/1.1 204 No Content\r\n\r\n';

  it('ends the message cut by a gap there and resumes at the next message start', () => {
    // 100 bytes of response 1's body were never captured; the segment after the gap holds the
    // rest of that body (which must not be read as HTTP) and then response 2.
    const tail = 'A'.repeat(300 - 40 - 100 - 7) + 'xyz\r\nAB' + second;
    const connection = connectionOf([
      { from: 'client', data: requests },
      { from: 'server', data: first },
      { from: 'server', data: tail, at: first.length + 100 },
    ]);
    assert.deepEqual(connection.serverToClient.gaps, [{ offset: first.length, missing: 100 }]);
    const http = parseHttpConnection(connection);
    assert.equal(http.responses.length, 2);
    assert.equal(http.responses[0].complete, false, 'response 1 lost bytes: it cannot be complete');
    assert.equal(http.responses[0].end, first.length, 'and it ends at the gap');
    assert.equal(http.responses[1].statusLine.status, 204);
    assert.equal(http.responses[1].offset, first.length + tail.length - second.length);
    assert.ok(http.stops.some((stop) => stop.reason === 'gap' && stop.offset === first.length));
  });

  it('without gaps parses exactly as parseHttpConversation does', () => {
    const connection = connectionOf([{ from: 'client', data: requests }, { from: 'server', data: first.replace('300', '40') + second }]);
    const http = parseHttpConnection(connection);
    assert.deepEqual(http, parseHttpConversation(connection.clientToServer.bytes, connection.serverToClient.bytes));
    assert.equal(http.exchanges.length, 2);
  });
});
