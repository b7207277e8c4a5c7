#!/usr/bin/env node
// Makes the sample captures in samples/ from real traffic on loopback:
// a raw TCP origin that answers like the incident's service, curl as the client, and
// dumpcap on `lo` writing pcapng. Raw sockets (not node:http) because the point is to send
// header bytes that HTTP libraries refuse to produce, such as two Transfer-Encoding lines.
//
// encoded-bodies.pcapng is one keep-alive connection whose responses are gzip, br, deflate,
// stacked gzip+br, binary and latin1: curl --compressed fetches them all (the stream view's
// decoded bodies, HAR and object export are tested on it).
//
// Usage: node scripts/make-samples.mjs [outDir] [--only=FILE]   (needs dumpcap with capture rights on lo, and curl)
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { startRawOrigin } from './lib/loopback.mjs';

const args = process.argv.slice(2);
const outDir = path.resolve(args.find((arg) => !arg.startsWith('--')) ?? path.join(import.meta.dirname, '..', 'samples'));
/** Regenerate only this sample (the others keep their bytes and manifest entries). */
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);

/** Each scenario: the request curl sends, and the response head the origin answers with. */
const SCENARIOS = [
  {
    file: 'incident-wrong.pcapng',
    path: '/wrong',
    note: 'The incident: a chunked response with two Transfer-Encoding headers differing only in case.',
    head: ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'Transfer-Encoding: Chunked', 'transfer-encoding: chunked'],
  },
  {
    file: 'incident-correct.pcapng',
    path: '/correct',
    note: 'The fixed service: the same chunked response with one Transfer-Encoding header.',
    head: ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
  },
  {
    file: 'cl-and-te.pcapng',
    path: '/cl-and-te',
    note: 'A chunked response that also declares a Content-Length.',
    head: ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'Content-Length: 33', 'Transfer-Encoding: chunked'],
  },
];

const BODY_CHUNKS = ['{"order":42,', '"status":"accepted"}'];

const ORDERS = JSON.stringify({ orders: [42, 43, 44].map((id) => ({ id, item: 'widget', quantity: id - 40, price: '12.50', tags: ['blue', 'large'] })), next: null, total: 12345678901234567890n.toString() });
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Wirelens</title></head><body>${'<p>Brotli-compressed page — déjà vu.</p>'.repeat(20)}</body></html>`;

/** One response per target on the encoded-bodies connection: head lines and the body bytes as sent. */
const ENCODED = {
  '/api/orders.json': { head: ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'Content-Encoding: gzip'], body: zlib.gzipSync(ORDERS) },
  '/index.html': { head: ['HTTP/1.1 200 OK', 'Content-Type: text/html; charset=utf-8', 'Content-Encoding: br'], body: zlib.brotliCompressSync(PAGE), chunked: true },
  '/legacy.txt': { head: ['HTTP/1.1 200 OK', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Encoding: deflate'], body: zlib.deflateSync(Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve r\xe9sum\xe9.\r\n'.repeat(8), 'latin1')) },
  '/logo.bin': { head: ['HTTP/1.1 200 OK', 'Content-Type: application/octet-stream'], body: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)) },
  // Applied gzip, then br; framed chunked with the incident's duplicate Transfer-Encoding (a finding).
  '/report.json': {
    head: ['HTTP/1.1 200 OK', 'Content-Type: application/problem+json', 'Content-Encoding: gzip, br', 'Transfer-Encoding: chunked', 'transfer-encoding: chunked'],
    body: zlib.brotliCompressSync(zlib.gzipSync(JSON.stringify({ type: 'about:blank', title: 'Stacked', status: 200, detail: 'gzip then br' }))),
    chunked: true,
    framed: true,
  },
};
const ENCODED_SAMPLE = {
  file: 'encoded-bodies.pcapng',
  note: 'One keep-alive connection, five GETs: gzip JSON, br HTML (chunked), deflate latin1 text, a binary body, and gzip+br stacked JSON with a duplicate Transfer-Encoding.',
};

/** The encoded-bodies response for a target: Content-Length, or chunked in 64-byte chunks. */
function encodedResponse(target) {
  const response = ENCODED[target];
  if (!response) return Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  const head = response.framed ? response.head : [...response.head, response.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${response.body.length}`];
  if (!response.chunked) return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), response.body]);
  const chunks = [];
  for (let at = 0; at < response.body.length; at += 64) {
    const piece = response.body.subarray(at, at + 64);
    chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), ...chunks, Buffer.from('0\r\n\r\n')]);
}
const REQUEST_BODY = '{"order":42,"item":"widget"}';

function chunked(chunks) {
  return chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
}

/** Answers each request (head + Content-Length body) with its scenario's response, by target. */
function startOrigin() {
  return startRawOrigin((socket, { target }) => {
    if (target in ENCODED) return void socket.write(encodedResponse(target));
    const scenario = SCENARIOS.find((s) => s.path === target);
    const response = scenario
      ? scenario.head.join('\r\n') + '\r\n\r\n' + chunked(BODY_CHUNKS)
      : 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
    socket.end(response);
  });
}

async function startDumpcap(port, file) {
  fs.rmSync(file, { force: true });
  const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise((resolve, reject) => {
    dumpcap.stderr.on('data', (d) => {
      stderr += d;
      // "Capturing on" comes slightly before the filter is live: give it a moment.
      if (stderr.includes('Capturing on')) setTimeout(resolve, 500);
    });
    dumpcap.on('exit', (code) => reject(new Error(`dumpcap exited with ${code} before capturing:\n${stderr}`)));
  });
  return dumpcap;
}

/** Runs curl with `args`; `command` is how the manifest shows it (the port replaced by PORT). */
function curlRun(args, command, port) {
  return new Promise((resolve) => {
    const curl = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    curl.stdout.on('data', (d) => (stdout += d));
    curl.stderr.on('data', (d) => (stderr += d));
    curl.on('exit', (exitCode) => resolve({ command, exitCode, stdout: stdout.replaceAll(`:${port}/`, ':PORT/'), stderr }));
  });
}

function runCurl(port, target) {
  const args = ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '--data', REQUEST_BODY, `http://127.0.0.1:${port}${target}`];
  return curlRun(args, ['curl', ...args.slice(0, -1), `http://127.0.0.1:PORT${target}`], port);
}

/** curl --compressed fetching every encoded-bodies target on one connection; -w says what each gave. */
function runCurlEncoded(port) {
  const targets = Object.keys(ENCODED);
  const args = ['-sS', '--compressed', '-w', '%{url_effective} %{http_code} %{size_download}\\n', ...targets.flatMap((target) => ['-o', '/dev/null', `http://127.0.0.1:${port}${target}`])];
  return curlRun(args, ['curl', '-sS', '--compressed', '-w', '…', ...targets.map((t) => `http://127.0.0.1:PORT${t}`)], port);
}

/** A sample is usable when it holds the whole connection: handshake, and both FINs. */
function isComplete(file) {
  const fields = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.flags.str'], { stderr: 'ignore' }).toString();
  return /S/.test(fields.split('\n')[0] ?? '') && (fields.match(/F/g) ?? []).length >= 2;
}

async function captureScenario(port, scenario, run = () => runCurl(port, scenario.path)) {
  const file = path.join(outDir, scenario.file);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const dumpcap = await startDumpcap(port, file);
    const curl = await run();
    // Let the FIN/ACK exchange reach the capture before stopping it.
    await new Promise((r) => setTimeout(r, 300));
    dumpcap.kill('SIGINT');
    await once(dumpcap, 'exit');
    if (isComplete(file)) return curl;
    console.log(`${scenario.file}: attempt ${attempt} missed part of the connection, retrying`);
  }
  throw new Error(`could not capture a complete connection for ${scenario.path}`);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const origin = await startOrigin();
  const { port } = origin.address();
  const manifest = {
    generatedBy: 'scripts/make-samples.mjs',
    curlVersion: execFileSync('curl', ['--version']).toString().split('\n')[0],
    samples: [],
  };
  const made = new Set();
  for (const scenario of SCENARIOS) {
    if (only && only !== scenario.file) continue;
    const curl = await captureScenario(port, scenario);
    manifest.samples.push({ file: scenario.file, request: `POST ${scenario.path}`, note: scenario.note, curl });
    made.add(scenario.file);
    console.log(`${scenario.file}: curl exit ${curl.exitCode}, body ${JSON.stringify(curl.stdout)}`);
  }
  if (!only || only === ENCODED_SAMPLE.file) {
    const curl = await captureScenario(port, ENCODED_SAMPLE, () => runCurlEncoded(port));
    manifest.samples.push({ file: ENCODED_SAMPLE.file, request: `GET ${Object.keys(ENCODED).join(', ')}`, note: ENCODED_SAMPLE.note, curl });
    made.add(ENCODED_SAMPLE.file);
    console.log(`${ENCODED_SAMPLE.file}: curl exit ${curl.exitCode}\n${curl.stdout}`);
  }
  origin.close();
  // Keep the entries other scripts wrote (they say so in their own generatedBy), and ours not made this time.
  const manifestFile = path.join(outDir, 'manifest.json');
  const previous = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')).samples ?? [] : [];
  manifest.samples.unshift(...previous.filter((s) => !s.generatedBy && !made.has(s.file)));
  manifest.samples.push(...previous.filter((s) => s.generatedBy && s.generatedBy !== manifest.generatedBy));
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
}

main().catch((error) => {
  console.error(`make-samples: ${error.message}`);
  process.exit(1);
});
