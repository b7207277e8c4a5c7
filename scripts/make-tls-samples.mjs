#!/usr/bin/env node
// Makes the TLS sample captures in samples/ from real traffic on loopback (dumpcap on `lo`),
// with the servers' session keys written by Node's `keylog` event in SSLKEYLOGFILE format:
//   tls-incident.pcapng (+ .keys)      the incident of make-samples.mjs over TLS 1.3: a node:tls
//                                      origin sends the duplicate Transfer-Encoding response to
//                                      curl -k; decrypted, it must show incident-wrong's findings
//   tls-incident-embedded.pcapng       the same capture with its keys embedded as a Decryption
//                                      Secrets Block (editcap --inject-secrets tls,KEYS)
//   tls12-unknown-ca.pcapng            TLS 1.2, curl without -k refuses the self-signed
//                                      certificate: a handshake in clear with a fatal alert (no keys)
//   tls-h2-grpc.pcapng (+ .keys)       h2 inside TLS (ALPN h2, node:http2 both sides): a GET and
//                                      a gRPC call with grpc-status 5 in its trailers
//   tls-h2-malformed.pcapng (+ .keys)  the malformed h2 client of h2c-malformed.pcapng over TLS
// The certificate is self-signed for wirelens.test (made by openssl at each run); clients reach
// it as wirelens.test (curl --resolve, Node servername) so the ClientHello carries that SNI.
//
// Usage: node scripts/make-tls-samples.mjs [outDir]   (needs dumpcap on lo, curl, openssl, editcap, tshark)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { hasWholeConnections, run, startDumpcap } from './lib/captureLo.mjs';
import { http2, malformedClient, onStream, politeClient } from './lib/h2Scenarios.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'samples'));
const GENERATED_BY = 'scripts/make-tls-samples.mjs';
const HOST = 'wirelens.test';

/** The incident's response, byte for byte as scripts/make-samples.mjs sends it. */
const INCIDENT_RESPONSE =
  ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'Transfer-Encoding: Chunked', 'transfer-encoding: chunked'].join('\r\n') +
  '\r\n\r\n' +
  ['{"order":42,', '"status":"accepted"}'].map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') +
  '0\r\n\r\n';
const REQUEST_BODY = '{"order":42,"item":"widget"}';

function makeCertificate(dir) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650',
    '-subj', `/O=Wirelens samples/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

/** Captures `traffic()` on the port; the server's keylog lines go to `keysFile` (when given). */
async function captured(file, port, server, keysFile, traffic) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const keys = [];
    const onKey = (line) => keys.push(line);
    server.on('keylog', onKey);
    const capture = await startDumpcap([port], file);
    const result = await traffic();
    await capture.stop();
    server.off('keylog', onKey);
    if (hasWholeConnections(file)) {
      if (keysFile) fs.writeFileSync(keysFile, Buffer.concat(keys));
      return result;
    }
    console.log(`${path.basename(file)}: attempt ${attempt} missed part of a connection, retrying`);
  }
  throw new Error(`could not capture whole connections for ${file}`);
}

function incidentOrigin(credentials, options = {}) {
  return tls.createServer({ ...credentials, ALPNProtocols: ['http/1.1'], ...options }, (socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.end(INCIDENT_RESPONSE);
    });
  });
}

async function curl(port, target, extra) {
  const args = ['-sS', ...extra, '--resolve', `${HOST}:${port}:127.0.0.1`, '-X', 'POST', '-H', 'Content-Type: application/json', '--data', REQUEST_BODY, `https://${HOST}:${port}${target}`];
  const result = await run('curl', args);
  const shown = args.map((a) => a.replace(String(port), 'PORT'));
  return { command: ['curl', ...shown], exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.trim() };
}

async function incidentSample(credentials) {
  const server = incidentOrigin(credentials);
  const port = await listen(server);
  const file = path.join(outDir, 'tls-incident.pcapng');
  const keys = path.join(outDir, 'tls-incident.keys');
  const result = await captured(file, port, server, keys, () => curl(port, '/wrong', ['-k']));
  server.close();
  const embedded = path.join(outDir, 'tls-incident-embedded.pcapng');
  execFileSync('editcap', ['--inject-secrets', `tls,${keys}`, file, embedded], { stdio: 'ignore' });
  return [
    { file: 'tls-incident.pcapng', keys: 'tls-incident.keys', note: 'The incident (incident-wrong.pcapng) over TLS 1.3: decrypted with the key log, it shows the same findings.', curl: result },
    { file: 'tls-incident-embedded.pcapng', note: 'tls-incident.pcapng with its keys embedded (editcap --inject-secrets tls,tls-incident.keys): decrypts with no key log.' },
  ];
}

async function unknownCaSample(credentials) {
  const server = incidentOrigin(credentials, { maxVersion: 'TLSv1.2' });
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  const file = path.join(outDir, 'tls12-unknown-ca.pcapng');
  const result = await captured(file, port, server, undefined, () => curl(port, '/wrong', ['--tlsv1.2']));
  server.close();
  return [{ file: 'tls12-unknown-ca.pcapng', note: 'TLS 1.2 without keys: curl refuses the self-signed certificate and sends a fatal alert; the handshake facts are all in clear.', curl: result }];
}

function h2Server(credentials) {
  const server = http2.createSecureServer({ ...credentials, allowHTTP1: false });
  server.on('stream', onStream);
  server.on('sessionError', () => undefined);
  return server;
}

async function h2GrpcSample(credentials) {
  const server = h2Server(credentials);
  const port = await listen(server);
  const file = path.join(outDir, 'tls-h2-grpc.pcapng');
  const observed = await captured(file, port, server, path.join(outDir, 'tls-h2-grpc.keys'), async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: HOST, rejectUnauthorized: false });
    const seen = await politeClient(session, `${HOST}:${port}`);
    await new Promise((r) => session.on('close', r));
    return seen;
  });
  server.close();
  return [{ file: 'tls-h2-grpc.pcapng', keys: 'tls-h2-grpc.keys', note: 'h2 inside TLS 1.3 (ALPN h2): GET /hello, then a gRPC call answered with grpc-status 5 in the trailers.', observed }];
}

async function h2MalformedSample(credentials) {
  const server = h2Server(credentials);
  const port = await listen(server);
  const file = path.join(outDir, 'tls-h2-malformed.pcapng');
  const reactions = await captured(file, port, server, path.join(outDir, 'tls-h2-malformed.keys'), async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: HOST, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    await new Promise((r) => socket.once('secureConnect', r));
    return malformedClient(socket, `${HOST}:${port}`, 'https');
  });
  server.close();
  return [{ file: 'tls-h2-malformed.pcapng', keys: 'tls-h2-malformed.keys', note: 'The malformed h2 client of h2c-malformed.pcapng over TLS (ALPN h2); node:http2 answers with RST_STREAM and GOAWAY.', reactions }];
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-tls-'));
  try {
    const credentials = makeCertificate(dir);
    const samples = [];
    for (const make of [incidentSample, unknownCaSample, h2GrpcSample, h2MalformedSample]) {
      for (const sample of await make(credentials)) {
        samples.push({ ...sample, generatedBy: GENERATED_BY });
        console.log(`${sample.file}: ${JSON.stringify(sample.curl ?? sample.observed ?? sample.reactions ?? '')}`);
      }
    }
    const manifestFile = path.join(outDir, 'manifest.json');
    const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : { samples: [] };
    manifest.samples = [...(manifest.samples ?? []).filter((s) => s.generatedBy !== GENERATED_BY), ...samples];
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`make-tls-samples: ${error.message}`);
  process.exit(1);
});
