#!/usr/bin/env node
// Makes captures of a REAL reverse proxy answering 502 for a broken upstream, with both legs on
// loopback: curl → proxy → raw TCP origin, and dumpcap on `lo` writing both connections into one
// pcapng, the way a capture taken inside a pod holds both sides of the sidecar.
//
//   proxy-502.pcapng        HAProxy in front of the incident's origin (two Transfer-Encoding
//                           lines differing in case): HAProxy rejects the response, answers 502.
//   proxy-502-nginx.pcapng  nginx in front of an origin that resets the connection after reading
//                           the request: nginx answers 502 ("upstream ... reset by peer").
//
// nginx 1.22 accepts the duplicate Transfer-Encoding (it forwards a 200), which is why the
// incident shape goes through HAProxy and nginx gets a reset instead.
//
// Usage: node scripts/make-proxy-sample.mjs [outDir]
// Needs (scripts/setup installs them): dumpcap with capture rights on lo, curl, tshark, nginx, haproxy.
// Only 127.0.0.1 is used; configs live in a temp dir that is removed; every process started here
// is stopped here. The entries for these files in samples/manifest.json are replaced, others kept.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startProxy, startRawOrigin, stopProcess } from './lib/loopback.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'samples'));
const REQUEST_BODY = '{"order":42,"item":"widget"}';
const INCIDENT_RESPONSE =
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n' +
  'c\r\n{"order":42,\r\n14\r\n"status":"accepted"}\r\n0\r\n\r\n';

const SCENARIOS = [
  {
    file: 'proxy-502.pcapng',
    proxy: 'haproxy',
    path: '/wrong',
    origin: 'incident',
    note:
      'curl → HAProxy → origin answering with the incident\'s two Transfer-Encoding lines ("Chunked" and "chunked"). ' +
      'HAProxy rejects the upstream response (termination state PH) and sends the client its own 502 page. Stream 0 is the client leg, stream 1 the upstream leg.',
  },
  {
    file: 'proxy-502-nginx.pcapng',
    proxy: 'nginx',
    path: '/orders/42',
    origin: 'reset',
    note:
      'curl → nginx → origin that reads the request and resets the connection (RST) without answering. ' +
      'nginx logs "recv() failed (104: Connection reset by peer) while reading response header from upstream" and sends the client its own 502 page. Stream 0 is the client leg, stream 1 the upstream leg.',
  },
];

/** A raw TCP origin: reads one request (head + Content-Length body), then answers per scenario. */
function startOrigin(behaviour) {
  return startRawOrigin((socket) => {
    if (behaviour === 'reset') socket.resetAndDestroy();
    else socket.end(INCIDENT_RESPONSE);
  });
}

async function startDumpcap(ports, file) {
  fs.rmSync(file, { force: true });
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise((resolve, reject) => {
    dumpcap.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('Capturing on')) setTimeout(resolve, 500); // the filter goes live just after
    });
    dumpcap.on('exit', (code) => reject(new Error(`dumpcap exited with ${code} before capturing:\n${stderr}`)));
  });
  return dumpcap;
}

function runCurl(port, target) {
  const args = ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '--data', REQUEST_BODY, `http://127.0.0.1:${port}${target}`];
  return new Promise((resolve) => {
    const curl = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    curl.stdout.on('data', (d) => (stdout += d));
    curl.stderr.on('data', (d) => (stderr += d));
    curl.on('exit', (exitCode) => resolve({ command: ['curl', ...args.slice(0, -1), `http://127.0.0.1:PORT${target}`], exitCode, stdout, stderr }));
  });
}

/** Both legs complete: two SYNs (client → proxy, proxy → origin) and the proxy's 502 on the client leg. */
function isComplete(file, proxyPort) {
  const rows = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.flags.str', '-e', 'tcp.payload'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  const syns = rows.filter((r) => r[2]?.includes('S') && !r[2].includes('A'));
  const fromProxy = Buffer.from(rows.filter((r) => r[0] === '0' && r[1] === String(proxyPort)).map((r) => r[3] ?? '').join(''), 'hex').toString('latin1');
  return syns.length === 2 && fromProxy.startsWith('HTTP/1.1 502');
}

async function captureScenario(scenario) {
  const file = path.join(outDir, scenario.file);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-proxy-'));
  let origin;
  let proxy;
  try {
    origin = await startOrigin(scenario.origin);
    const originPort = origin.address().port;
    const proxyPort = await freePort();
    proxy = await startProxy(scenario.proxy, dir, proxyPort, originPort);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const dumpcap = await startDumpcap([proxyPort, originPort], file);
      const curl = await runCurl(proxyPort, scenario.path);
      await new Promise((r) => setTimeout(r, 500)); // let the FIN/ACK exchanges reach the capture
      dumpcap.kill('SIGINT');
      await once(dumpcap, 'exit');
      if (isComplete(file, proxyPort)) {
        const log = proxy
          .log()
          .split('\n')
          .filter((line) => (scenario.proxy === 'nginx' ? /\[error\]/.test(line) : /HTTP\/1\.1"$/.test(line)))
          .map((line) => line.replace(/^\S+ \S+ \[error\] \d+#\d+: /, '[error] ').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'))
          .pop();
        return { curl, proxyVersion: proxy.versionLine, proxyLog: log };
      }
      console.log(`${scenario.file}: attempt ${attempt} missed part of the exchange, retrying`);
    }
    throw new Error(`could not capture both legs for ${scenario.file}`);
  } finally {
    await stopProcess(proxy?.child);
    origin?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeManifest(entries) {
  const file = path.join(outDir, 'manifest.json');
  const manifest = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { samples: [] };
  const mine = new Set(entries.map((e) => e.file));
  manifest.samples = [...manifest.samples.filter((s) => !mine.has(s.file)), ...entries];
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const curlVersion = execFileSync('curl', ['--version']).toString().split('\n')[0];
  const entries = [];
  for (const scenario of SCENARIOS) {
    const { curl, proxyVersion, proxyLog } = await captureScenario(scenario);
    entries.push({
      file: scenario.file,
      generatedBy: 'scripts/make-proxy-sample.mjs',
      request: `POST ${scenario.path}`,
      note: scenario.note,
      proxy: { name: scenario.proxy, version: proxyVersion, log: proxyLog },
      streams: { client: 0, upstream: 1 },
      curlVersion,
      curl,
    });
    console.log(`${scenario.file}: curl exit ${curl.exitCode}, ${scenario.proxy} said ${JSON.stringify(curl.stdout.slice(0, 60))}`);
  }
  writeManifest(entries);
}

main().catch((error) => {
  console.error(`make-proxy-sample: ${error.message}`);
  process.exit(1);
});
