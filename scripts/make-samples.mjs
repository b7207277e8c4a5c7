#!/usr/bin/env node
// Makes the sample captures in samples/ from real traffic on loopback:
// a raw TCP origin that answers like the incident's service, curl as the client, and
// dumpcap on `lo` writing pcapng. Raw sockets (not node:http) because the point is to send
// header bytes that HTTP libraries refuse to produce, such as two Transfer-Encoding lines.
//
// Usage: node scripts/make-samples.mjs [outDir]   (needs dumpcap with capture rights on lo, and curl)
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRawOrigin } from './lib/loopback.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'samples'));

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
const REQUEST_BODY = '{"order":42,"item":"widget"}';

function chunked(chunks) {
  return chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
}

/** Answers each request (head + Content-Length body) with its scenario's response, by target. */
function startOrigin() {
  return startRawOrigin((socket, { target }) => {
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

function runCurl(port, target) {
  return new Promise((resolve) => {
    const args = ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '--data', REQUEST_BODY, `http://127.0.0.1:${port}${target}`];
    const curl = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    curl.stdout.on('data', (d) => (stdout += d));
    curl.stderr.on('data', (d) => (stderr += d));
    curl.on('exit', (exitCode) => resolve({ command: ['curl', ...args.slice(0, -1), `http://127.0.0.1:PORT${target}`], exitCode, stdout, stderr }));
  });
}

/** A sample is usable when it holds the whole connection: handshake, and both FINs. */
function isComplete(file) {
  const fields = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.flags.str'], { stderr: 'ignore' }).toString();
  return /S/.test(fields.split('\n')[0] ?? '') && (fields.match(/F/g) ?? []).length >= 2;
}

async function captureScenario(port, scenario) {
  const file = path.join(outDir, scenario.file);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const dumpcap = await startDumpcap(port, file);
    const curl = await runCurl(port, scenario.path);
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
  for (const scenario of SCENARIOS) {
    const curl = await captureScenario(port, scenario);
    manifest.samples.push({ file: scenario.file, request: `POST ${scenario.path}`, note: scenario.note, curl });
    console.log(`${scenario.file}: curl exit ${curl.exitCode}, body ${JSON.stringify(curl.stdout)}`);
  }
  origin.close();
  // Keep the entries other scripts wrote (they say so in their own generatedBy).
  const manifestFile = path.join(outDir, 'manifest.json');
  const previous = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')).samples ?? [] : [];
  manifest.samples.push(...previous.filter((s) => s.generatedBy && s.generatedBy !== manifest.generatedBy));
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
}

main().catch((error) => {
  console.error(`make-samples: ${error.message}`);
  process.exit(1);
});
