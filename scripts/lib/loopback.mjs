// Loopback plumbing shared by the scripts that put real HTTP software on 127.0.0.1:
// scripts/make-samples.mjs, scripts/make-proxy-sample.mjs and the verdict harness (test/verdicts/).
//
// - startRawOrigin: a raw TCP origin (net, not node:http, so it can send bytes HTTP libraries refuse
//   to produce) that reads each request (head + Content-Length body) and lets the caller answer;
// - startProxy: nginx or HAProxy from their Debian packages with a generated config in a temp dir,
//   on a port the OS picked, never the packages' system services;
// - spawnTracked / stopProcess: children in their own process group, stopped by group, and killed
//   on exit if a caller forgot, so a failed run never leaves a proxy behind.
// Types for TypeScript callers: loopback.d.mts next to this file.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const tracked = new Set();
process.on('exit', () => {
  for (const child of tracked) killGroup(child, 'SIGKILL');
});

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Spawns `command` in its own process group; `output()` is everything it wrote to stdout and stderr. */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.output = () => output;
  tracked.add(child);
  child.on('exit', () => tracked.delete(child));
  child.on('error', () => tracked.delete(child));
  return child;
}

/** Stops a child's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child, graceMs = 3000) {
  if (!child || child.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  killGroup(child, 'SIGKILL'); // anything the process left in its group
  tracked.delete(child);
}

/**
 * A raw TCP origin on 127.0.0.1 and a port the OS picks. For each request on a connection (head
 * up to the empty line, then a Content-Length body if any) it calls `answer(socket, request)`,
 * request = { head, target, bytes }. The answer writes what it likes (or resets the socket).
 */
export function startRawOrigin(answer) {
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const bytes = buffered.subarray(0, end + 4 + length);
      buffered = buffered.subarray(end + 4 + length);
      answer(socket, { head, target: head.split(' ')[1], bytes });
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** A port the OS says is free on 127.0.0.1 (for programs that cannot report the port they got). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The inode of the socket listening on 127.0.0.1:port, from /proc/net/tcp (Linux), or undefined. */
function listeningInode(port) {
  let table;
  try {
    table = fs.readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const wanted = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === wanted && cols[3] === '0A') return cols[9];
  }
  return undefined;
}

/** True when process `pid` holds the socket with this inode (so the listener is ours, not a stranger's). */
function holdsSocket(pid, inode) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Waits until `child` listens on 127.0.0.1:port. Throws one clear sentence (with the program's own
 * output, e.g. nginx's "bind() ... Address already in use") when it exits first, when another
 * process holds the port, or after `timeoutMs`.
 */
export async function waitForListener(port, what, child, timeoutMs = 5000) {
  const started = Date.now();
  const output = () => (child.output?.() ?? '').trim().split('\n').slice(-5).join(' | ');
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening on 127.0.0.1:${port}: ${output() || 'no output'}`);
    }
    const inode = listeningInode(port);
    if (inode !== undefined) {
      if (holdsSocket(child.pid, inode)) return;
      // Someone else's listener (the port was taken between freePort() and the start): unless our
      // program fails on its own within a moment, say so.
      await new Promise((r) => setTimeout(r, 200));
      if (child.exitCode === null && child.signalCode === null && !holdsSocket(child.pid, inode)) {
        throw new Error(`${what}: another process is listening on 127.0.0.1:${port} (port in use)`);
      }
      continue;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${output() || 'no output'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The proxy's version: { version: "1.22.1" | "2.6.12-1+deb12u4", line: its own first line of
 * `-v` output ("nginx version: nginx/1.22.1") }. Throws one sentence when it is not installed.
 */
export function proxyVersion(kind) {
  const result = spawnSync(kind, ['-v'], { encoding: 'utf8' });
  if (result.error) throw new Error(`${kind} is not installed (${result.error.message}); scripts/setup installs it`);
  const line = `${result.stdout}${result.stderr}`.trim().split('\n')[0].trim();
  const version = (kind === 'nginx' ? /nginx\/(\S+)/ : /HAProxy version (\S+)/).exec(line)?.[1] ?? line;
  return { version, line };
}

function nginxConfig(dir, listenPort, originPort, logFile, timeout) {
  return [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${logFile} info;`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
    ...(timeout ? [`  proxy_connect_timeout ${timeout}s;`, `  proxy_read_timeout ${timeout}s;`, `  proxy_send_timeout ${timeout}s;`, `  client_header_timeout ${timeout}s;`, `  client_body_timeout ${timeout}s;`] : []),
    `  upstream origin { server 127.0.0.1:${originPort}; }`,
    '  server {',
    `    listen 127.0.0.1:${listenPort};`,
    '    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_next_upstream off; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

function haproxyConfig(dir, listenPort, originPort, timeout) {
  const seconds = timeout ?? 5;
  return [
    'global',
    '  log stderr format short local0 info',
    `  stats socket ${dir}/admin.sock mode 600 level admin`,
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    `  timeout connect ${Math.min(2, seconds)}s`,
    `  timeout client ${seconds}s`,
    `  timeout server ${seconds}s`,
    'frontend fe',
    `  bind 127.0.0.1:${listenPort}`,
    '  default_backend be',
    'backend be',
    `  server origin 127.0.0.1:${originPort}`,
    '',
  ].join('\n');
}

/**
 * Starts nginx or HAProxy as a reverse proxy from 127.0.0.1:listenPort to 127.0.0.1:originPort,
 * with a generated config in `dir` (which the caller creates and removes). Default settings apart
 * from logging and, with `options.timeoutSeconds`, shorter upstream and client timeouts.
 * Resolves to { kind, child, version, versionLine, log() }: log() is nginx's error log or HAProxy's stderr.
 * HAProxy also gets an admin socket at `${dir}/admin.sock` (see haproxyShowErrors).
 */
export async function startProxy(kind, dir, listenPort, originPort, options = {}) {
  const { version, line: versionLine } = proxyVersion(kind);
  let child;
  let log;
  if (kind === 'nginx') {
    const logFile = path.join(dir, 'error.log');
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, nginxConfig(dir, listenPort, originPort, logFile, options.timeoutSeconds));
    child = spawnTracked('nginx', ['-p', dir, '-c', conf, '-e', logFile]);
    log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '') + child.output();
  } else if (kind === 'haproxy') {
    const conf = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(conf, haproxyConfig(dir, listenPort, originPort, options.timeoutSeconds));
    child = spawnTracked('haproxy', ['-f', conf, '-db']);
    log = () => child.output();
  } else {
    throw new Error(`unknown proxy ${kind}`);
  }
  try {
    await waitForListener(listenPort, kind, child);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { kind, child, version, versionLine, log };
}

/** HAProxy's "show errors" (the last invalid request and response it captured, with the position). */
export function haproxyShowErrors(dir) {
  return new Promise((resolve) => {
    const socket = net.connect(path.join(dir, 'admin.sock'));
    let text = '';
    socket.on('connect', () => socket.write('show errors\n'));
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', (error) => resolve(`(admin socket: ${error.message})`));
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
  });
}
