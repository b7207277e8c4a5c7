/**
 * The real implementations, each started by the harness and stopped after every case:
 * nginx and HAProxy (Debian packages, generated configs via scripts/lib/loopback.mjs), Node's
 * http module as a proxy and as a client (default and insecureHTTPParser), Go net/http's
 * httputil.ReverseProxy and client (test/verdicts/go/main.go, built here), and curl.
 * Every case gets its own origin, proxy process and temp dir, so cases cannot leak into each other.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream';
import type { Implementation } from '../../protocol/model';
import { freePort, haproxyShowErrors, proxyVersion, spawnTracked, startProxy, stopProcess, type TrackedChild } from '../../scripts/lib/loopback.mjs';
import { REPO_ROOT } from '../unit/helpers';
import type { VerdictCase } from './cases';
import { CLIENT_DEADLINE_MS, PROXY_TIMEOUT_SECONDS, rawExchange, startOrigin, type OriginConnection, type RawExchange } from './wire';

export type Mode = 'default' | 'insecureHTTPParser';

/** What a client saw through a proxy, what reached the origin, and the proxy's own log lines. */
export interface ProxyRun {
  readonly role: 'proxy';
  readonly mode: Mode;
  readonly exchange: RawExchange;
  readonly origin: readonly OriginConnection[];
  readonly log: readonly string[];
}

/** What an HTTP client library or tool made of the origin's response. */
export interface ClientRun {
  readonly role: 'client';
  readonly mode: Mode;
  readonly status?: number;
  readonly fields: readonly string[];
  readonly body: string;
  /** The client's error (request or body), as it words it. */
  readonly error?: string;
  readonly timedOut: boolean;
}

export type Run = ProxyRun | ClientRun;

export interface Driver {
  readonly implementation: Implementation;
  /** "nginx 1.22.1", "Node v20.20.2 (llhttp 9.3.1)". */
  readonly label: string;
  readonly version: string;
  /** Which sides it is measured on: proxies take both, clients only responses. */
  readonly sides: readonly ('request' | 'response')[];
  run(testCase: VerdictCase): Promise<Run[]>;
  dispose(): Promise<void>;
}

const PORTS = /127\.0\.0\.1:\d+/g;

/** Temp dirs still in use: removed by their owners, or on exit when a run dies first. */
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(what: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wirelens-verdicts-${what}-`));
  liveDirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** Request line parts of a case's request: method, target, Host (for the client tools). */
function requestParts(request: string): { method: string; target: string; host: string } {
  const [method = 'GET', target = '/'] = request.split('\r\n')[0].split(' ');
  const host = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(request)?.[1] ?? 'example.com';
  return { method, target, host };
}

/** nginx's error-log lines worth showing: errors and the info lines about clients, without date, pid or ports. */
export function nginxLogLines(log: string): string[] {
  const noise = /keepalive|closed connection while waiting|client timed out|epoll|signal|exiting|exit$|worker process|start worker|Running as user|using inherited|\[notice\]|\[debug\]/;
  return log
    .split('\n')
    .map((line) => /\[(emerg|alert|crit|error|warn|info)\] \d+#\d+: (?:\*\d+ )?(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !noise.test(m[0]))
    .map((m) => `[${m[1]}] ${m[2].replace(/, client: .*$/, '').replace(PORTS, '127.0.0.1:PORT')}`);
}

/**
 * HAProxy's log line for the transaction, reduced to what does not vary between runs (status and
 * termination state), with what "show errors" captured: which message was invalid, at which byte,
 * and the line that byte is on.
 */
export function haproxyLogLines(log: string, errors: string): string[] {
  const found: string[] = [];
  for (const block of errors.split(/\n(?=\[\d\d\/)/)) {
    const m = /\): invalid (request|response)[\s\S]*?error at position (\d+)/.exec(block);
    if (!m) continue;
    const position = Number(m[2]);
    let line = '';
    for (const dump of block.matchAll(/^\s+(\d{5})  (.*)$/gm)) if (Number(dump[1]) <= position) line = dump[2];
    line = line.replace(/\\r\\n$/, '');
    found.push(`show errors: invalid ${m[1]}, error at byte ${position}${line ? ` (line "${line}")` : ''}`);
  }
  const lines: string[] = [];
  for (const line of log.split('\n')) {
    const m = /\] \S+ \S+ [-\d/+]+ (-?\d+) [-+\d]+ \S+ \S+ (\S{4}) /.exec(line);
    if (m) lines.push([`status ${m[1]}, termination state ${m[2]}`, ...found].join('; '));
  }
  return lines;
}

class ExternalProxyDriver implements Driver {
  readonly sides = ['request', 'response'] as const;
  readonly label: string;
  readonly version: string;
  constructor(readonly implementation: 'nginx' | 'haproxy') {
    this.version = proxyVersion(implementation).version;
    this.label = `${implementation === 'nginx' ? 'nginx' : 'HAProxy'} ${this.version}`;
  }

  async run(testCase: VerdictCase): Promise<Run[]> {
    const dir = tempDir(this.implementation);
    const origin = await startOrigin(testCase);
    let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
    try {
      const port = await freePort();
      proxy = await startProxy(this.implementation, dir, port, origin.port, { timeoutSeconds: PROXY_TIMEOUT_SECONDS });
      const exchange = await rawExchange(port, testCase.request);
      await new Promise((r) => setTimeout(r, 100)); // the proxy logs when the client's connection is gone
      const errors = this.implementation === 'haproxy' ? await haproxyShowErrors(dir) : '';
      await stopProcess(proxy.child);
      const log = this.implementation === 'nginx' ? nginxLogLines(proxy.log()) : haproxyLogLines(proxy.log(), errors);
      return [{ role: 'proxy', mode: 'default', exchange, origin: origin.connections, log }];
    } finally {
      await stopProcess(proxy?.child);
      await origin.close();
      removeDir(dir);
    }
  }

  async dispose(): Promise<void> {}
}

/**
 * Node's http module as a reverse proxy, shaped like node-http-proxy (what most Node proxies run
 * on): the request goes upstream with req.headers, the response comes back with res.writeHead(
 * status, message, upstream headers) and a piped body; an upstream error before the response
 * started is answered 502, after it the client connection is destroyed. The proxy's "log" is
 * what Node reported: clientError codes (Node then answers 400 itself), upstream errors.
 */
async function nodeProxyRun(testCase: VerdictCase, mode: Mode): Promise<ProxyRun> {
  const insecureHTTPParser = mode === 'insecureHTTPParser';
  const origin = await startOrigin(testCase);
  const log: string[] = [];
  const describe = (error: NodeJS.ErrnoException & { reason?: string }) => `${error.code ?? error.name}: ${error.message}`;
  const server = http.createServer({ insecureHTTPParser }, (req, res) => {
    const badGateway = () => res.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/plain' }).end('Bad Gateway\n');
    const onResponse = (response: http.IncomingMessage) => {
      try {
        res.writeHead(response.statusCode ?? 502, response.statusMessage, response.headers);
      } catch (error) {
        log.push(`res.writeHead threw ${describe(error as NodeJS.ErrnoException)}`);
        response.destroy();
        badGateway();
        return;
      }
      pipeline(response, res, (error) => {
        if (error) log.push(`response body: ${describe(error)}`);
      });
    };
    let upstream: http.ClientRequest;
    try {
      const options = { host: '127.0.0.1', port: origin.port, method: req.method, path: req.url, headers: req.headers, insecureHTTPParser, agent: false };
      upstream = http.request(options, onResponse);
    } catch (error) {
      // http.request validates the headers it is given (ERR_INVALID_CHAR): a proxy that does not
      // catch this crashes; this one answers 502.
      log.push(`http.request threw ${describe(error as NodeJS.ErrnoException)}`);
      req.resume();
      badGateway();
      return;
    }
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      log.push(`http.request error ${describe(error)}`);
      if (!res.headersSent) badGateway();
      else res.destroy();
    });
    pipeline(req, upstream, (error) => {
      if (error && !upstream.destroyed) log.push(`request body: ${describe(error)}`);
    });
  });
  // Record clientError without listening to it: a listener would replace Node's own answer.
  // ECONNRESET / EPIPE there only mean the harness's client went away.
  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    const error = args[0] as NodeJS.ErrnoException;
    if (event === 'clientError' && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') log.push(`clientError ${describe(error)}`);
    return emit(event, ...args);
  }) as typeof server.emit;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  try {
    const exchange = await rawExchange((server.address() as net.AddressInfo).port, testCase.request);
    // What Node reported while the client was there; later errors come from the harness hanging up.
    const seen = log.map((line) => line.replace(PORTS, '127.0.0.1:PORT'));
    return { role: 'proxy', mode, exchange, origin: origin.connections, log: seen };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await origin.close();
  }
}

/** Node's http.request as a client of the origin (no proxy), as an application would call it. */
async function nodeClientRun(testCase: VerdictCase, mode: Mode): Promise<ClientRun> {
  const origin = await startOrigin(testCase);
  const { method, target, host } = requestParts(testCase.request);
  try {
    return await new Promise<ClientRun>((resolve) => {
      let status: number | undefined;
      let fields: string[] = [];
      let body = '';
      let done = false;
      const finish = (error?: string, timedOut = false) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        request.destroy();
        resolve({ role: 'client', mode, status, fields, body, error, timedOut });
      };
      const request = http.request(
        { host: '127.0.0.1', port: origin.port, method, path: target, headers: { Host: host }, insecureHTTPParser: mode === 'insecureHTTPParser', agent: false },
        (response) => {
          status = response.statusCode;
          fields = [];
          for (let i = 0; i < response.rawHeaders.length; i += 2) fields.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
          response.setEncoding('latin1');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => finish());
          response.on('error', (error: NodeJS.ErrnoException) => finish(`${error.code ?? error.name}: ${error.message}`));
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => finish(`${error.code ?? error.name}: ${error.message}`));
      request.end();
      const timer = setTimeout(() => finish(undefined, true), CLIENT_DEADLINE_MS);
    });
  } finally {
    await origin.close();
  }
}

class NodeDriver implements Driver {
  readonly implementation = 'node' as const;
  readonly sides = ['request', 'response'] as const;
  readonly version = `${process.version.replace(/^v/, '')} (llhttp ${process.versions.llhttp})`;
  readonly label = `Node ${process.version} (llhttp ${process.versions.llhttp})`;

  /** The four runs at once: each has its own origin, and some wait for the deadline. */
  async run(testCase: VerdictCase): Promise<Run[]> {
    const runs: Promise<Run>[] = [];
    for (const mode of ['default', 'insecureHTTPParser'] as const) {
      runs.push(nodeProxyRun(testCase, mode));
      if (testCase.side === 'response') runs.push(nodeClientRun(testCase, mode));
    }
    return Promise.all(runs);
  }

  async dispose(): Promise<void> {}
}

/** Runs a child to completion with a deadline; kills its group when the deadline passes. */
async function runTracked(command: string, args: string[], deadlineMs: number): Promise<{ code: number | null; output: string; stdout: string; timedOut: boolean }> {
  const child = spawnTracked(command, args);
  let stdout = '';
  child.stdout?.on('data', (d) => (stdout += d.toString('latin1')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopProcess(child, 500);
  }, deadlineMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  await stopProcess(child);
  return { code, output: child.output(), stdout, timedOut };
}

/** Go net/http, from test/verdicts/go/main.go built with Debian's Go into a temp dir. */
class GoDriver implements Driver {
  readonly implementation = 'go' as const;
  readonly sides = ['request', 'response'] as const;
  readonly version: string;
  readonly label: string;
  private readonly dir: string;
  private readonly binary: string;

  constructor() {
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.error) throw new Error(`go is not installed (${go.error.message}); scripts/setup installs golang-go`);
    this.dir = tempDir('go');
    this.binary = path.join(this.dir, 'wlgo');
    const env = { ...process.env, GOCACHE: path.join(this.dir, 'cache'), GOPATH: path.join(this.dir, 'gopath'), GOPROXY: 'off', GOFLAGS: '', GO111MODULE: 'off', CGO_ENABLED: '0' };
    const source = path.join(REPO_ROOT, 'test', 'verdicts', 'go', 'main.go');
    const build = spawnSync('go', ['build', '-o', this.binary, source], { encoding: 'utf8', env, cwd: this.dir, timeout: 120_000 });
    if (build.status !== 0) {
      removeDir(this.dir);
      throw new Error(`go build ${source} failed: ${(build.stderr || build.error?.message || '').trim()}`);
    }
    this.version = execFileSync(this.binary, ['version'], { encoding: 'utf8' }).trim().replace(/^go/, '');
    this.label = `Go ${this.version}`;
  }

  private async proxyRun(testCase: VerdictCase): Promise<ProxyRun> {
    const origin = await startOrigin(testCase);
    const child: TrackedChild = spawnTracked(this.binary, ['proxy', '-upstream', `http://127.0.0.1:${origin.port}`]);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Go proxy did not report its port within 5 s: ${child.output()}`)), 5000);
        child.on('exit', (code) => reject(new Error(`Go proxy exited (${code}) before listening: ${child.output().trim()}`)));
        const poll = setInterval(() => {
          const m = /listening 127\.0\.0\.1:(\d+)/.exec(child.output());
          if (m) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        }, 10);
        child.on('exit', () => clearInterval(poll));
      });
      const exchange = await rawExchange(port, testCase.request);
      await new Promise((r) => setTimeout(r, 50));
      await stopProcess(child);
      const log = child
        .output()
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('listening '))
        .map((line) => line.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').replace(PORTS, '127.0.0.1:PORT'));
      return { role: 'proxy', mode: 'default', exchange, origin: origin.connections, log };
    } finally {
      await stopProcess(child);
      await origin.close();
    }
  }

  private async clientRun(testCase: VerdictCase): Promise<ClientRun> {
    const origin = await startOrigin(testCase);
    const { method, target, host } = requestParts(testCase.request);
    try {
      const result = await runTracked(this.binary, ['client', '-url', `http://127.0.0.1:${origin.port}${target}`, '-method', method, '-host', host], CLIENT_DEADLINE_MS);
      if (result.timedOut) return { role: 'client', mode: 'default', fields: [], body: '', timedOut: true };
      const json = JSON.parse(result.stdout) as { status?: number; headers?: string[]; transferEncoding?: string[]; body: string; error?: string };
      const fields = [...(json.headers ?? []), ...(json.transferEncoding ?? []).map((coding) => `Transfer-Encoding: ${coding}`)];
      // Go prefixes transport errors with the method and URL (`Get "http://…": `): the rest is the news.
      const error = json.error?.replace(/^[A-Z][a-z]+ "[^"]*": /, '').replace(PORTS, '127.0.0.1:PORT');
      return { role: 'client', mode: 'default', status: json.status, fields, body: json.body, error, timedOut: false };
    } finally {
      await origin.close();
    }
  }

  async run(testCase: VerdictCase): Promise<Run[]> {
    const runs: Promise<Run>[] = [this.proxyRun(testCase)];
    if (testCase.side === 'response') runs.push(this.clientRun(testCase));
    return Promise.all(runs);
  }

  async dispose(): Promise<void> {
    removeDir(this.dir);
  }
}

/** curl as the client of the origin: status, headers and body as it writes them, its exit code and message. */
class CurlDriver implements Driver {
  readonly implementation = 'curl' as const;
  readonly sides = ['response'] as const;
  readonly version: string;
  readonly label: string;

  constructor() {
    const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' });
    if (curl.error) throw new Error(`curl is not installed (${curl.error.message})`);
    this.version = /^curl (\S+)/.exec(curl.stdout)?.[1] ?? curl.stdout.split('\n')[0];
    this.label = `curl ${this.version}`;
  }

  async run(testCase: VerdictCase): Promise<Run[]> {
    const origin = await startOrigin(testCase);
    const dir = tempDir('curl');
    const { method, target, host } = requestParts(testCase.request);
    try {
      const methodArgs = method === 'HEAD' ? ['--head'] : method === 'GET' ? [] : ['-X', method];
      const args = ['-sS', ...methodArgs, '-H', `Host: ${host}`, '-D', path.join(dir, 'headers'), '-o', path.join(dir, 'body'), `http://127.0.0.1:${origin.port}${target}`];
      const result = await runTracked('curl', args, CLIENT_DEADLINE_MS);
      const read = (name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name)).toString('latin1') : '');
      const headerLines = read('headers').split(/\r?\n/).filter(Boolean);
      const status = Number(/^HTTP\/\S+ (\d{3})/.exec(headerLines[0] ?? '')?.[1]) || undefined;
      const error =
        result.timedOut || result.code === 0
          ? undefined
          : `exit ${result.code}: ${result.output.trim().split('\n').pop()?.replace(/^curl: \(\d+\) /, '').replace(PORTS, '127.0.0.1:PORT')}`;
      // With --head, curl writes the header section to -o as well: there is no body.
      const body = method === 'HEAD' ? '' : read('body');
      return [{ role: 'client', mode: 'default', status, fields: headerLines.slice(1), body, error, timedOut: result.timedOut }];
    } finally {
      await origin.close();
      removeDir(dir);
    }
  }

  async dispose(): Promise<void> {}
}

export const IMPLEMENTATIONS = ['nginx', 'haproxy', 'node', 'go', 'curl'] as const satisfies readonly Implementation[];
export type MeasuredImplementation = (typeof IMPLEMENTATIONS)[number];

/** Starts (or builds) what measuring `implementation` needs; throws one clear sentence when it cannot. */
export function createDriver(implementation: MeasuredImplementation): Driver {
  switch (implementation) {
    case 'nginx':
    case 'haproxy':
      return new ExternalProxyDriver(implementation);
    case 'node':
      return new NodeDriver();
    case 'go':
      return new GoDriver();
    case 'curl':
      return new CurlDriver();
  }
}
