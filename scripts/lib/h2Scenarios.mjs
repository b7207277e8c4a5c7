// HTTP/2 traffic shared by scripts/make-h2-samples.mjs (h2c) and scripts/make-tls-samples.mjs
// (h2 inside TLS), so a plaintext capture and its TLS twin carry the same bytes.
import * as http2 from 'node:http2';
import { PREFACE, T, data, frame, goaway as _goaway, headers, readFrames, settings } from './h2wire.mjs';

/** The origin: node:http2 answering /ok, a gRPC method, and leaving /slow open. */
export function onStream(stream, requestHeaders) {
  stream.on('error', () => undefined);
  const path = requestHeaders[':path'];
  if (path === '/slow') return; // never answered: the GOAWAY below cuts it
  if (path === '/orders.v1.Orders/Get') {
    // gRPC: a length-prefixed message is read, then status NOT_FOUND (5) in the trailers.
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'order 42 not found' }));
      stream.end();
    });
    return;
  }
  const body = `hello from ${path}\n`;
  const answer = () => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
    stream.end(body);
  };
  // A request with a body is read to its end first, so the server's HTTP/2 layer checks it whole.
  if (requestHeaders[':method'] === 'POST') {
    stream.on('data', () => undefined);
    stream.on('end', answer);
  } else {
    answer();
  }
}

/** One length-prefixed gRPC message (uncompressed): flag 0, 4-byte length, bytes. */
export function grpcMessage(bytes) {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([prefix, bytes]);
}

/**
 * A well-behaved client session (node:http2): GET /hello, then a gRPC call that fails with
 * NOT_FOUND. `session` is what http2.connect returned. Resolves with what it saw.
 */
export async function politeClient(session, authority) {
  const request = (requestHeaders, body) =>
    new Promise((resolve, reject) => {
      const stream = session.request(requestHeaders, { endStream: body === undefined });
      let status;
      let trailers = {};
      const chunks = [];
      stream.on('response', (h) => (status = h[':status']));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (d) => chunks.push(d));
      stream.on('end', () => resolve({ status, trailers, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      if (body !== undefined) stream.end(body);
    });
  const hello = await request({ ':method': 'GET', ':path': '/hello', ':authority': authority });
  const grpc = await request(
    { ':method': 'POST', ':path': '/orders.v1.Orders/Get', ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' },
    grpcMessage(Buffer.from([0x08, 0x2a])), // field 1 = 42
  );
  session.close();
  return { hello: hello.status, grpcStatus: grpc.trailers['grpc-status'], grpcMessage: grpc.trailers['grpc-message'] };
}

/**
 * The malformed client: raw frames on `socket` (already connected, TLS or not), each stream
 * waiting for the server's answer before the next, so the capture reads in order:
 *   1  uppercase field name           3  connection-specific fields
 *   5  pseudo-header after a regular field, and an unknown pseudo-header
 *   7  content-length 10 with 4 bytes of DATA     9  a valid GET (answered)
 *   11 POST /slow, left open          then HEADERS on stream 2 (even: a connection error) → GOAWAY
 * Resolves with the server's reactions, in order, once the server closes the connection.
 */
export function malformedClient(socket, authority, scheme) {
  const base = (method, path) => [[':method', method], [':scheme', scheme], [':path', path], [':authority', authority]];
  const steps = [
    { stream: 1, send: [headers(1, [...base('GET', '/trace'), ['X-Trace-Id', '7f3a']], { endStream: true })] },
    { stream: 3, send: [headers(3, [...base('GET', '/keep-alive'), ['connection', 'keep-alive'], ['transfer-encoding', 'chunked']], { endStream: true })] },
    { stream: 5, send: [headers(5, [[':method', 'GET'], [':scheme', scheme], ['accept', '*/*'], [':path', '/pseudo'], [':authority', authority], [':tenant', 'blue']], { endStream: true })] },
    { stream: 7, send: [headers(7, [...base('POST', '/orders'), ['content-type', 'application/json'], ['content-length', '10']]), data(7, '{"a":')] },
    { stream: 9, send: [headers(9, base('GET', '/ok'), { endStream: true })] },
    { stream: 11, send: [headers(11, [...base('POST', '/slow'), ['content-type', 'text/plain']])], noAnswer: true },
    { stream: 2, send: [headers(2, base('GET', '/even'), { endStream: true })], connectionError: true },
  ];
  const reactions = [];
  return new Promise((resolve) => {
    let step = -1;
    let waiting;
    const next = () => {
      step++;
      if (step >= steps.length) return;
      const current = steps[step];
      waiting = current.noAnswer ? undefined : current.connectionError ? 0 : current.stream;
      for (const bytes of current.send) socket.write(bytes);
      if (current.noAnswer) setTimeout(next, 200);
    };
    readFrames(socket, (f) => {
      if (f.type === T.SETTINGS && !(f.flags & 1)) socket.write(settings(true));
      const name = Object.keys(T).find((k) => T[k] === f.type) ?? String(f.type);
      if (f.type === T.RST_STREAM) reactions.push(`stream ${f.streamId}: RST_STREAM error ${f.payload.readUInt32BE(0)}`);
      if (f.type === T.GOAWAY) reactions.push(`GOAWAY last stream ${f.payload.readUInt32BE(0) & 0x7fffffff} error ${f.payload.readUInt32BE(4)}`);
      if (f.type === T.HEADERS) reactions.push(`stream ${f.streamId}: HEADERS`);
      const answered = (f.type === T.RST_STREAM || (f.type === T.DATA && f.flags & 1) || (f.type === T.HEADERS && f.flags & 1)) && f.streamId === waiting;
      if (answered || (f.type === T.GOAWAY && waiting === 0)) setTimeout(next, 50);
      void name;
    });
    socket.on('close', () => resolve(reactions));
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([PREFACE, settings()]));
    setTimeout(next, 100);
  });
}

export { http2, frame };
