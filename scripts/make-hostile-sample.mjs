#!/usr/bin/env node
// Makes samples/hostile-payloads.pcapng: real HTTP/1.1 exchanges on loopback whose targets,
// header names, header values and bodies carry what an attacker would put in traffic to hurt the
// tool that displays it: HTML/script that would run if inserted as markup (each sets
// window.__pwned if it ever runs), javascript: URLs, terminal escapes (ESC[2J, OSC 8 hyperlinks,
// OSC 52 clipboard writes, 8-bit C1 CSI), bidi controls (U+202E, U+2066), NUL and a 100 KB line.
// A raw client (net.Socket) and a raw origin (startRawOrigin) exchange the bytes as written, and
// dumpcap on `lo` records them. The tests (test/cli/hostilePayloads.test.ts, the real-VS-Code
// suite hardeningHostile.test.ts) check that every view shows these bytes as inert text.
//
// Usage: node scripts/make-hostile-sample.mjs [outDir]   (needs dumpcap with capture rights on lo)
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { hasWholeConnections, startDumpcap } from './lib/captureLo.mjs';
import { startRawOrigin } from './lib/loopback.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'samples'));
const FILE = 'hostile-payloads.pcapng';

const ESC = '\x1b';
const BEL = '\x07';
/** UTF-8 bytes of a string (bidi controls are multi-byte on the wire). */
const utf8 = (text) => Buffer.from(text, 'utf8');
/** Bytes exactly as written, one per char (for C1 bytes such as 0x9b that are not UTF-8). */
const raw = (text) => Buffer.from(text, 'latin1');

function head(lines) {
  return Buffer.concat([...lines.map((line) => Buffer.concat([typeof line === 'string' ? raw(line) : line, raw('\r\n')])), raw('\r\n')]);
}

function withBody(lines, body) {
  return Buffer.concat([head([...lines, `Content-Length: ${body.length}`]), body]);
}

/** One connection each: the request the client writes, and the response the origin answers with. */
const CASES = [
  {
    what: 'markup that would run if inserted as HTML: <script>, <img onerror>, an <svg onload> header name',
    request: head([
      'GET /<script>window.__pwned=1</script> HTTP/1.1',
      'Host: victim.test',
      'X-Img: <img src=x onerror="window.__pwned=2">',
      '<svg onload=window.__pwned=3>: a header name',
      'X-Case: 0',
    ]),
    response: withBody(
      ['HTTP/1.1 200 <script>window.__pwned=1</script>', 'Content-Type: text/html', 'Transfer-Encoding: <img src=x onerror="window.__pwned=2">'],
      raw('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"><svg onload=window.__pwned=3>'),
    ),
  },
  {
    what: 'javascript: URLs as the target, Referer and Location; an attribute breakout "><svg onload=…>',
    request: head([
      'GET javascript:window.__pwned=4// HTTP/1.1',
      'Host: victim.test',
      'Referer: javascript:window.__pwned=4',
      'X-Quote: "><svg onload=window.__pwned=5>',
      'X-Case: 1',
    ]),
    response: withBody(['HTTP/1.1 302 Found', 'Location: javascript:window.__pwned=6'], raw('"><svg/onload=window.__pwned=5>')),
  },
  {
    what: 'terminal escapes: clear screen, colours, OSC 8 hyperlink, OSC 52 clipboard write, 8-bit CSI',
    request: head([
      `GET /ansi${ESC}[2J${ESC}[31m HTTP/1.1`,
      'Host: victim.test',
      `X-Ansi: ${ESC}[2J${ESC}[1;31mCLEARED${ESC}[0m`,
      `X-Osc8: ${ESC}]8;;https://evil.invalid/${BEL}click me${ESC}]8;;${BEL}`,
      `X-Osc52: ${ESC}]52;c;cHduZWQ=${BEL}`,
      'X-C1: \x9b2J \xc2\x9b2J',
      'X-Case: 2',
    ]),
    response: withBody(['HTTP/1.1 200 OK', `X-Title: ${ESC}]0;pwned${BEL}`], raw(`${ESC}[2J${ESC}]52;c;cHduZWQ=${BEL}body`)),
  },
  {
    what: 'bidi controls (U+202E, U+2066, U+2069) in the target and a header, and NUL bytes',
    request: Buffer.concat([
      head([
        utf8('GET /invoice\u202Egpj.exe\u2066 HTTP/1.1'),
        'Host: victim.test',
        utf8('X-Bidi: user\u202Etxt.exe\u2066\u2069'),
        'X-Nul: before\0after',
        'X-Case: 3',
      ]),
    ]),
    response: withBody(['HTTP/1.1 200 OK', 'X-Nul: a\0b'], raw('nul:\0\0\0:end')),
  },
  {
    what: 'a 100 KB header line',
    request: head(['GET /long HTTP/1.1', 'Host: victim.test', `X-Long: ${'A'.repeat(100 * 1024)}`, 'X-Case: 4']),
    response: withBody(['HTTP/1.1 200 OK'], raw(`${'B'.repeat(100 * 1024)}\n`)),
  },
];

/** Writes one request and reads until the origin closes. */
function exchange(port, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let received = 0;
    socket.on('data', (data) => (received += data.length));
    socket.on('end', () => {
      socket.end();
      resolve(received);
    });
    socket.on('error', reject);
  });
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const origin = await startRawOrigin((socket, { head: requestHead }) => {
    const which = Number(/\r\nX-Case: (\d+)/i.exec(requestHead)?.[1]);
    socket.end(CASES[which]?.response ?? raw('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
  });
  const { port } = origin.address();
  const file = path.join(outDir, FILE);
  for (let attempt = 1; ; attempt++) {
    const dumpcap = await startDumpcap([port], file);
    for (const [index, scenario] of CASES.entries()) {
      const received = await exchange(port, scenario.request);
      if (attempt === 1) console.log(`case ${index}: ${scenario.what} (${scenario.request.length} bytes out, ${received} back)`);
    }
    await dumpcap.stop();
    if (hasWholeConnections(file)) break;
    if (attempt === 3) throw new Error('could not capture whole connections');
    console.log(`attempt ${attempt} missed part of a connection, retrying`);
  }
  origin.close();
  const manifestFile = path.join(outDir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.samples = manifest.samples.filter((s) => s.file !== FILE);
  manifest.samples.push({
    file: FILE,
    generatedBy: 'scripts/make-hostile-sample.mjs',
    note: 'Hostile payloads for the display paths: one connection per case.',
    cases: CASES.map((c) => c.what),
  });
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`${FILE}: ${fs.statSync(file).size} bytes`);
}

main().catch((error) => {
  console.error(`make-hostile-sample: ${error.message}`);
  process.exit(1);
});
