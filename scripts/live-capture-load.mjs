#!/usr/bin/env node
// What live capture does under load on loopback: an HTTP origin on 127.0.0.1 and a paced client
// make about RATE packets per second for SECONDS, while `wirelens capture --interface lo` runs
// with a filter on the origin's port. One connection in every 200 asks for /wrong (the
// incident's duplicate Transfer-Encoding), so findings keep appearing under the load.
//
// Prints: packets/s achieved, dumpcap's received/dropped counts, TCP packets tshark dissected
// and Wirelens analysed, CPU of each process (from /proc), and finding latency (median, worst).
//
// Usage: node scripts/live-capture-load.mjs [RATE=10000] [SECONDS=10] [keepalive|connections]
//   keepalive:   200 persistent connections, request/response on each (about 3 packets per exchange)
//   connections: a new connection per request (about 10 packets per exchange)
// Needs a build (npm run build) and capture rights on lo. Loopback only.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const RATE = Number(process.argv[2] ?? 10_000);
const SECONDS = Number(process.argv[3] ?? 10);
const MODE = process.argv[4] ?? 'keepalive';
const ROOT = path.resolve(import.meta.dirname, '..');
const TICKS = 100; // pacing ticks per second (every 10 ms)

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const WRONG = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';

function startOrigin() {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      let end;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        socket.write(head.startsWith('GET /wrong') ? WRONG : OK);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** CPU seconds (user + system) of a process, from /proc/PID/stat. */
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Processes whose argv contains `marker`, by pid → short name. */
function processesWith(marker) {
  const found = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.includes(marker))) found.set(Number(entry), path.basename(argv[0]) === 'node' ? (argv.includes('-e') ? 'guard (node)' : 'node') : path.basename(argv[0]));
    } catch {
      // gone
    }
  }
  return found;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[sorted.length >> 1] : NaN;
}

async function main() {
  const origin = await startOrigin();
  const { port } = origin.address();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-load-'));
  const cli = spawn(process.execPath, [...(process.env.WIRELENS_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.WIRELENS_PROFILE] : []), path.join(ROOT, 'bin', 'wirelens'), 'capture', '--interface', 'lo', '--filter', `tcp port ${port}`, '--format', 'json'], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const findings = [];
  const analysed = [];
  let stopped;
  let partial = '';
  const started = new Promise((resolve) => {
    cli.stdout.setEncoding('utf8').on('data', (chunk) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const event = JSON.parse(line);
        if (event.event === 'started') resolve();
        if (event.event === 'finding') {
          findings.push(Date.now() - event.packetTime * 1000);
          analysed.push(event.latencyMs);
        }
        if (event.event === 'stopped') stopped = event;
      }
    });
  });
  await started;

  // The load: `perTick` exchanges every 10 ms.
  const packetsPerExchange = MODE === 'keepalive' ? 3 : 10; // as measured on lo: request, response, one ACK
  const perTick = RATE / packetsPerExchange / TICKS;
  let exchanges = 0;
  let wrong = 0;
  const sockets = [];
  if (MODE === 'keepalive') {
    for (let i = 0; i < 200; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const request = (target) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  const watched = () => new Map([...processesWith(tmp), [cli.pid, 'wirelens (node)'], [process.pid, 'load generator (node)']]);
  const cpuBefore = new Map([...watched().keys()].map((pid) => [pid, cpuSeconds(pid)]));
  const loadStart = Date.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      // Catch up with the clock: timers drift under load, the rate must not.
      const due = Math.floor(((Date.now() - loadStart) / 1000) * perTick * TICKS) - exchanges;
      for (let i = 0; i < due; i++) {
        const isWrong = exchanges % 200 === 0;
        if (isWrong) wrong++;
        const target = isWrong ? '/wrong' : '/ok';
        exchanges++;
        if (MODE === 'keepalive') sockets[exchanges % sockets.length].write(request(target));
        else {
          const socket = net.connect(port, '127.0.0.1', () => socket.end(request(target)));
          socket.on('data', () => undefined);
          socket.on('error', () => undefined);
        }
      }
      if (Date.now() - loadStart >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const loadSeconds = (Date.now() - loadStart) / 1000;
  const pids = watched();
  const cpu = [...pids].map(([pid, name]) => [name, ((cpuSeconds(pid) ?? 0) - (cpuBefore.get(pid) ?? 0)) / loadSeconds]);
  for (const socket of sockets) socket.end();
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last packets through before stopping
  cli.kill('SIGINT');
  await new Promise((resolve) => cli.on('close', resolve));
  origin.close();
  fs.rmSync(tmp, { recursive: true, force: true });

  const stats = stopped?.statistics ?? { received: NaN, dropped: NaN };
  console.log(`mode ${MODE}, target ${RATE} packets/s for ${SECONDS} s: ${exchanges} exchanges (${wrong} to /wrong)`);
  console.log(`dumpcap: ${stats.received} received (${Math.round(stats.received / loadSeconds)} packets/s over the load), ${stats.dropped} dropped`);
  console.log(`wirelens: ${stopped?.summary.packets} TCP packets analysed, ${stopped?.summary.conversations} conversations, ${stopped?.summary.findings} findings`);
  console.log(`CPU during the load (1.0 = one core): ${cpu.map(([name, share]) => `${name} ${share.toFixed(2)}`).join(', ')}`);
  console.log(
    `finding latency over ${findings.length} findings: packet → found by the analysis median ${median(analysed).toFixed(0)} ms, worst ${Math.max(...analysed).toFixed(0)} ms; ` +
      `packet → read here median ${median(findings).toFixed(0)} ms, worst ${Math.max(...findings).toFixed(0)} ms`,
  );
}

main().catch((error) => {
  console.error(`live-capture-load: ${error.message}`);
  process.exit(1);
});
