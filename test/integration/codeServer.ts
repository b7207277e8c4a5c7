// Run a real VS Code (code-server 4.100.3) offline and drive it with headless Debian Chromium.
// Recipe and measurements: /work/shared/VSCODE-E2E.md. `scripts/setup` installs code-server into
// .vscode-test/cs. Bundled by esbuild to CommonJS, so `__dirname` is available.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const CODE_SERVER_ENTRY = path.join(REPO_ROOT, '.vscode-test/cs/node_modules/code-server/out/node/entry.js');
export const CHROMIUM_PATH = process.env.WIRELENS_CHROMIUM ?? '/usr/bin/chromium';

export interface IsolatedVsCode {
  root: string; // temp dir holding everything below
  userDataDir: string; // data/ (User/settings.json)
  extensionsDir: string; // exts/
  workspaceDir: string; // ws/: an empty folder to open, or put fixtures here
  configFile: string; // config.yaml
  port: number;
  env: NodeJS.ProcessEnv; // env for every code-server process of this instance
  /** Close browsers, kill servers (whole process groups) and delete `root`. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface RunningCodeServer {
  vs: IsolatedVsCode;
  port: number;
  url: string; // http://127.0.0.1:PORT
  pid: number;
  /** `vscode-remote://127.0.0.1:PORT<absPath>`: how the workbench names server-side files. */
  remote(absPath: string): string;
  /** Last lines of code-server's stdout+stderr, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Resolves with the code the workbench passes to `codeAutomationExit` (0 pass, 1 fail), 2 on timeout/crash. */
  exitCode: Promise<number>;
  /** Every `%c` console line of the page (workbench log + extension host output incl. mocha) and page errors, in order. */
  consoleLines: string[];
  close(): Promise<void>;
}

export interface OpenWorkbenchOptions {
  folder: string;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
  /** Upper bound for `exitCode` when extensionTestsPath is given (default 120 s). */
  testTimeoutMs?: number;
  /** Echo mocha output to process.stdout (default true). */
  echo?: boolean;
}

// Everything still alive, so that an 'exit' or signal handler can kill it even if the caller forgot
// dispose() or threw before reaching it.
const liveGroups = new Set<number>();
const liveRoots = new Set<string>();
let exitHooksInstalled = false;
// What each instance's dispose() must undo: browsers and servers opened against it.
const cleanupsOf = new WeakMap<IsolatedVsCode, Array<() => Promise<void>>>();

function killAllSync(): void {
  for (const pid of liveGroups) killGroup(pid);
  for (const root of liveRoots) {
    try { removeDir(root); } catch { /* best effort while exiting */ }
  }
}

// Retries: SIGKILLed extension-host children may still be writing into the dir for a moment (ENOTEMPTY).
function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only take over the default behaviour (die); never fight a handler the runner installed.
    if (process.listenerCount(sig) > 0) continue;
    const onSignal = (): void => {
      killAllSync();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

function killGroup(pid: number): void {
  // code-server runs detached (= its own process group): -pid also kills the extension host and its children.
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  liveGroups.delete(pid);
}

/** A port that was free a moment ago. Sync (a tiny child Node listens on 127.0.0.1:0) so the factory stays sync. */
function freePortSync(): number {
  const js = "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', js], { encoding: 'utf8' }));
}

export function createIsolatedVsCode(colorTheme?: string): IsolatedVsCode {
  installExitHooks();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-e2e-'));
  liveRoots.add(root);
  const dir = (name: string): string => {
    const p = path.join(root, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const userDataDir = dir('data');
  // startupEditor none: the welcome page would steal focus and block clicks (recipe gotcha).
  const settings: Record<string, unknown> = { 'workbench.startupEditor': 'none', 'window.title': 'wirelens-e2e' };
  if (colorTheme) settings['workbench.colorTheme'] = colorTheme;
  fs.mkdirSync(path.join(userDataDir, 'User'));
  fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify(settings, null, 2));
  const port = freePortSync();
  const configFile = path.join(root, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dir('xdg-config'),
    XDG_DATA_HOME: dir('xdg-data'),
    TMPDIR: dir('tmp'),
    EXTENSIONS_GALLERY: '{}', // no open-vsx lookups (offline: ENOTFOUND noise otherwise)
  };
  const cleanups: Array<() => Promise<void>> = [];
  const vs: IsolatedVsCode = {
    root, userDataDir, extensionsDir: dir('exts'), workspaceDir: dir('ws'), configFile, port, env,
    async dispose() {
      // Newest first: browsers before the server they talk to.
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
      removeDir(root);
      liveRoots.delete(root);
    },
  };
  cleanupsOf.set(vs, cleanups);
  return vs;
}

function onDispose(vs: IsolatedVsCode, fn: () => Promise<void>): void {
  cleanupsOf.get(vs)?.push(fn);
}

function commonArgs(vs: IsolatedVsCode): string[] {
  return ['--config', vs.configFile, '--user-data-dir', vs.userDataDir, '--extensions-dir', vs.extensionsDir];
}

function assertInstalled(): void {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) throw new Error(`code-server is not installed (${CODE_SERVER_ENTRY}): run scripts/setup`);
}

export async function installVsix(root: IsolatedVsCode, vsixPath: string): Promise<void> {
  assertInstalled();
  const args = [CODE_SERVER_ENTRY, ...commonArgs(root), '--install-extension', path.resolve(vsixPath)];
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, args, { env: root.env, timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`installing ${vsixPath} failed: ${err.message}\n${stdout}${stderr}`)) : resolve());
  });
}

export interface StartCodeServerOptions {
  /**
   * Keep workspace trust on (default off): folders open in restricted mode. Set the user setting
   * security.workspace.trust.startupPrompt to "never" too, or the trust dialog blocks clicks.
   */
  readonly workspaceTrust?: boolean;
}

export async function startCodeServer(vs: IsolatedVsCode, extraEnv: Record<string, string> = {}, options: StartCodeServerOptions = {}): Promise<RunningCodeServer> {
  assertInstalled();
  const url = `http://127.0.0.1:${vs.port}`;
  const args = [CODE_SERVER_ENTRY, ...commonArgs(vs), '--auth', 'none', '--bind-addr', `127.0.0.1:${vs.port}`,
    // Workspace trust prompt would block clicks; telemetry/update checks would hit the network.
    '--disable-telemetry', '--disable-update-check', ...(options.workspaceTrust ? [] : ['--disable-workspace-trust'])];
  // Env given to code-server reaches the extension host (process.env inside extension tests).
  const cs: ChildProcess = spawn(process.execPath, args, { env: { ...vs.env, ...extraEnv }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = cs.pid;
  if (pid === undefined) throw new Error('could not spawn code-server');
  liveGroups.add(pid);

  let log = '';
  const keep = (b: Buffer): void => { log = (log + b.toString()).slice(-8000); };
  cs.stdout?.on('data', keep);
  cs.stderr?.on('data', keep);
  const logTail = (): string => log.split('\n').slice(-30).join('\n');
  // Never let a forgotten server keep the test runner alive; the 'exit' hook kills it.
  cs.unref();
  for (const s of [cs.stdout, cs.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();

  let exited: string | undefined;
  // The group stays in liveGroups after the leader exits: its children (extension host) may outlive it.
  cs.on('exit', (code, signal) => { exited = `exited early (code ${code}, signal ${signal})`; });

  const stop = async (): Promise<void> => {
    const exit = cs.exitCode === null && cs.signalCode === null ? new Promise((r) => cs.once('exit', r)) : null;
    cs.ref(); // an unref'd child would let Node quit while we await its exit
    killGroup(pid);
    await exit;
  };
  onDispose(vs, stop);

  try {
    const deadline = Date.now() + 30_000; // healthz usually answers in ~0.5 s
    for (;;) {
      if (exited) throw new Error(exited);
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error('no /healthz answer within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw new Error(`code-server on port ${vs.port} did not start: ${(e as Error).message}\n--- code-server output (tail) ---\n${logTail()}`);
  }

  return { vs, port: vs.port, url, pid, remote: (p) => `vscode-remote://127.0.0.1:${vs.port}${path.resolve(p)}`, logTail, stop };
}

// Workbench startup log lines that share the console channel with mocha; kept in consoleLines, not echoed.
const WORKBENCH_NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin|Updating additional builtin|\[Service Worker\]|ChatSessionStore:)/;

export async function openWorkbench(server: RunningCodeServer, opts: OpenWorkbenchOptions): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async (): Promise<void> => { await browser.close().catch(() => undefined); };
  onDispose(server.vs, close);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleLines: string[] = [];
    const echo = opts.echo ?? true;
    const emit = (line: string): void => {
      consoleLines.push(line);
      if (echo && !WORKBENCH_NOISE.test(line)) process.stdout.write(line + '\n');
    };

    // Mocha's reporter output (and any console.log of the extension host) exists only in the page console,
    // as ['%c INFO' or '%c  ERR', 'color: …', fmt, ...args], the same channel as the workbench's own log.
    // Serialize through a chain: jsonValue() is async and lines must stay in order.
    let chain = Promise.resolve();
    page.on('console', (m) => {
      chain = chain.then(async () => {
        const a: unknown[] = await Promise.all(m.args().map((h) => h.jsonValue().catch(() => '?')));
        if (typeof a[0] === 'string' && a[0].startsWith('%c')) emit(util.format(...a.slice(2)));
      });
    });
    page.on('pageerror', (e) => emit(`[page error] ${e.message}`));

    let done!: (code: number) => void;
    const raw = new Promise<number>((r) => (done = r));
    page.on('crash', () => { emit('[page crashed]'); done(2); });
    // Must be exposed BEFORE goto: the workbench looks it up once when the test run finishes.
    await page.exposeFunction('codeAutomationExit', (code: number) => done(code));
    let timer: NodeJS.Timeout | undefined;
    if (opts.extensionTestsPath) {
      // A broken extensionTestsPath yields exit code 1, but keep a bound anyway (recipe gotcha).
      const ms = opts.testTimeoutMs ?? 120_000;
      timer = setTimeout(() => { emit(`[timeout] no codeAutomationExit within ${ms} ms`); done(2); }, ms);
      timer.unref();
    }
    const exitCode = raw.then(async (code) => {
      clearTimeout(timer);
      await chain; // flush the remaining console lines first
      return code;
    });

    const payload: Array<[string, string]> = [];
    if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', server.remote(opts.extensionDevelopmentPath)]);
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', server.remote(opts.extensionTestsPath)]);
    const query = new URLSearchParams({ folder: path.resolve(opts.folder) });
    if (payload.length) query.set('payload', JSON.stringify(payload));
    await page.goto(`${server.url}/?${query}`);
    return { browser, page, exitCode, consoleLines, close };
  } catch (e) {
    await close();
    throw e;
  }
}
