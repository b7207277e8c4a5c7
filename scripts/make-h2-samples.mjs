#!/usr/bin/env node
// Makes the HTTP/2 cleartext (h2c) sample captures in samples/ from real traffic on loopback,
// captured by dumpcap on `lo`:
//   h2c-grpc.pcapng                 node:http2 client and server, prior knowledge: a GET, and a
//                                   gRPC call whose trailers say grpc-status 5 (NOT_FOUND)
//   h2c-malformed.pcapng            a raw client writing frames node:http2 refuses to send
//                                   (scripts/lib/h2Scenarios.mjs) to a node:http2 server, which
//                                   answers with RST_STREAM and finally GOAWAY
//   h2c-malformed-responses.pcapng  a raw server sending malformed response headers to curl
//                                   --http2-prior-knowledge, one connection per malformation
//   h2c-upgrade.pcapng              curl --http2 upgrading an HTTP/1.1 request (Upgrade: h2c → 101)
// Each run is recorded in samples/manifest.json (what the peers did, curl's exit codes).
//
// Usage: node scripts/make-h2-samples.mjs [outDir]   (needs dumpcap with capture rights on lo, curl, tshark)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { hasWholeConnections, run, startDumpcap } from './lib/captureLo.mjs';
import { F, PREFACE, T, data, frame, headers, readFrames, settings } from './lib/h2wire.mjs';
import { http2, malformedClient, onStream, politeClient } from './lib/h2Scenarios.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'samples'));
const GENERATED_BY = 'scripts/make-h2-samples.mjs';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

async function captured(file, ports, traffic) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const capture = await startDumpcap(ports, file);
    const result = await traffic();
    await capture.stop();
    if (hasWholeConnections(file)) return result;
    console.log(`${path.basename(file)}: attempt ${attempt} missed part of a connection, retrying`);
  }
  throw new Error(`could not capture whole connections for ${file}`);
}

async function grpcSample() {
  const server = http2.createServer();
  server.on('stream', onStream);
  const port = await listen(server);
  const file = path.join(outDir, 'h2c-grpc.pcapng');
  const result = await captured(file, [port], async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const seen = await politeClient(session, `127.0.0.1:${port}`);
    await new Promise((r) => session.on('close', r));
    return seen;
  });
  server.close();
  return { file: 'h2c-grpc.pcapng', note: 'h2c with prior knowledge (node:http2 both sides): GET /hello, then a gRPC call answered with grpc-status 5 in the trailers.', observed: result };
}

async function malformedSample() {
  const server = http2.createServer();
  server.on('stream', onStream);
  server.on('sessionError', () => undefined);
  const port = await listen(server);
  const file = path.join(outDir, 'h2c-malformed.pcapng');
  const reactions = await captured(file, [port], async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    return malformedClient(socket, `127.0.0.1:${port}`, 'http');
  });
  server.close();
  return {
    file: 'h2c-malformed.pcapng',
    note: 'A raw h2c client sends frames node:http2 refuses to send; the node:http2 server (nghttp2) answers each malformed stream with RST_STREAM, then GOAWAY for a HEADERS frame on an even stream.',
    server: `node ${process.version} node:http2 (nghttp2 ${process.versions.nghttp2})`,
    reactions,
  };
}

/** What the raw server answers on stream 1 of each connection, by request path. */
const BAD_RESPONSES = {
  '/uppercase': [[':status', '200'], ['Content-Type', 'text/plain']],
  '/connection': [[':status', '200'], ['content-type', 'text/plain'], ['connection', 'close']],
  '/pseudo': [['content-type', 'text/plain'], [':status', '200']],
  '/content-length': [[':status', '200'], ['content-type', 'text/plain'], ['content-length', '10']],
};

async function malformedResponsesSample() {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(settings());
    readFrames(
      socket,
      (f) => {
        if (f.type === T.SETTINGS && !(f.flags & F.ACK)) socket.write(settings(true));
        if (f.type !== T.HEADERS) return;
        // curl's request headers are HPACK-coded with Huffman: the path is found by the test below.
        const target = Object.keys(BAD_RESPONSES).find((p) => socket.wanted === p) ?? socket.wanted;
        socket.write(headers(f.streamId, BAD_RESPONSES[target] ?? [[':status', '404']]));
        socket.write(data(f.streamId, 'ok\n'));
      },
      { skipPreface: true },
    );
  });
  const port = await listen(server);
  // Each connection is told its case by the order of connections (curl's Huffman-coded path is not decoded here).
  const order = Object.keys(BAD_RESPONSES);
  let connections = 0;
  server.on('connection', (socket) => (socket.wanted = order[connections++]));
  const file = path.join(outDir, 'h2c-malformed-responses.pcapng');
  const curls = await captured(file, [port], async () => {
    connections = 0;
    const results = [];
    for (const target of order) {
      const args = ['-sS', '--http2-prior-knowledge', `http://127.0.0.1:${port}${target}`];
      const result = await run('curl', args);
      results.push({ command: ['curl', ...args.slice(0, -1), `http://127.0.0.1:PORT${target}`], exitCode: result.exitCode, stderr: result.stderr.trim() });
    }
    return results;
  });
  server.close();
  return { file: 'h2c-malformed-responses.pcapng', note: 'A raw h2c server answers curl --http2-prior-knowledge with malformed response headers, one connection per case.', curl: curls };
}

async function upgradeSample() {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
      socket.write(settings());
      // Stream 1 is the upgraded request: answer it in HTTP/2.
      socket.write(headers(1, [[':status', '200'], ['content-type', 'text/plain'], ['content-length', '9']]));
      socket.write(data(1, 'upgraded\n'));
      readFrames(
        socket,
        (f) => {
          if (f.type === T.SETTINGS && !(f.flags & F.ACK)) socket.write(settings(true));
          if (f.type === T.GOAWAY) socket.end();
        },
        { skipPreface: true, initial: head.subarray(end + 4) },
      );
    };
    socket.on('data', onData);
  });
  const port = await listen(server);
  const file = path.join(outDir, 'h2c-upgrade.pcapng');
  const curl = await captured(file, [port], async () => {
    const args = ['-sS', '--http2', `http://127.0.0.1:${port}/upgrade`];
    const result = await run('curl', args);
    return { command: ['curl', ...args.slice(0, -1), 'http://127.0.0.1:PORT/upgrade'], exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.trim() };
  });
  server.close();
  return { file: 'h2c-upgrade.pcapng', note: 'curl --http2 upgrades an HTTP/1.1 GET to h2c (101 Switching Protocols); the server answers stream 1 in HTTP/2.', curl };
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const samples = [];
  for (const make of [grpcSample, malformedSample, malformedResponsesSample, upgradeSample]) {
    const sample = await make();
    samples.push({ ...sample, generatedBy: GENERATED_BY });
    console.log(`${sample.file}: ${JSON.stringify(sample.observed ?? sample.reactions ?? sample.curl)}`);
  }
  const manifestFile = path.join(outDir, 'manifest.json');
  const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : { samples: [] };
  manifest.samples = [...(manifest.samples ?? []).filter((s) => s.generatedBy !== GENERATED_BY), ...samples];
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  void execFileSync;
  void PREFACE;
  void frame;
}

main().catch((error) => {
  console.error(`make-h2-samples: ${error.message}`);
  process.exit(1);
});
