import * as assert from 'node:assert/strict';
import { parseHttpConversation } from '../../../server/src/http/httpConversation';
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
