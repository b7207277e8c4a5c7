/**
 * Runs the real-VS-Code tests: code-server 4.100.3 in headless Chromium (scripts/setup installs
 * both). The extension is loaded from this repository; its mocha suite (out/test/integration/
 * suite) runs in the extension host and asks this driver, through uiDriver.ts, to click and type
 * in the workbench as a person would and to take the screenshots in docs/screenshots/.
 * WIRELENS_E2E_ONLY=<parts of suite file names, comma-separated> runs only the matching suite files;
 * WIRELENS_E2E_GREP=<pattern> only the tests whose title matches. Suites named
 * *Untrusted* run afterwards in a second VS Code with workspace trust on (runUntrusted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createIsolatedVsCode, openWorkbench, REPO_ROOT, startCodeServer, type IsolatedVsCode, type StartCodeServerOptions } from './codeServer';
import { Handshake } from './handshake';
import { serveUiRequests } from './uiDriver';

const SAMPLES = path.join(REPO_ROOT, 'samples');
const SUITE_DIR = path.join(REPO_ROOT, 'out', 'test', 'integration', 'suite');
/** Suites that need a workspace in restricted mode (suite/index.ts runs them only there). */
const isUntrustedSuite = (file: string): boolean => file.includes('Untrusted');

/** Starts code-server on `vs`, runs the selected suite files in its extension host, serves their UI requests. */
async function runSuites(vs: IsolatedVsCode, label: string, extraEnv: Record<string, string>, options: StartCodeServerOptions): Promise<number> {
  const handshakeDir = fs.mkdtempSync(path.join(vs.root, 'handshake-'));
  const handshake = new Handshake(handshakeDir);
  const started = Date.now();
  const server = await startCodeServer(vs, { ...extraEnv, WIRELENS_E2E_DIR: handshakeDir, WIRELENS_E2E_STARTED: String(started) }, options);
  const workbench = await openWorkbench(server, {
    folder: vs.workspaceDir,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: path.join(SUITE_DIR, 'index.js'),
    testTimeoutMs: 600_000,
  });
  const serving = serveUiRequests(workbench.page, handshake, started, workbench.exitCode);
  const code = await workbench.exitCode;
  await serving;
  console.log(`[driver] ${label}: extension tests exited with ${code}; whole run ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

async function runTrusted(): Promise<number> {
  const vs = createIsolatedVsCode('Default Dark Modern');
  try {
    for (const sample of fs.readdirSync(SAMPLES).filter((name) => /\.(pcapng|pcap|cap)$/.test(name))) {
      fs.copyFileSync(path.join(SAMPLES, sample), path.join(vs.workspaceDir, sample));
    }
    return await runSuites(vs, 'trusted workspace', {}, {});
  } finally {
    await vs.dispose();
  }
}

/**
 * A second VS Code with workspace trust on, whose folder is a stranger's: its .vscode/settings.json
 * points wirelens.tsharkPath at a script and names a capture source whose command would each
 * leave a file in WIRELENS_E2E_MARKERS if they ever ran. The folder opens in restricted mode.
 */
async function runUntrusted(): Promise<number> {
  const vs = createIsolatedVsCode('Default Dark Modern');
  try {
    const settingsFile = path.join(vs.userDataDir, 'User', 'settings.json');
    const userSettings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    // No trust dialog (it would block clicks): the folder simply stays untrusted.
    fs.writeFileSync(settingsFile, JSON.stringify({ ...userSettings, 'security.workspace.trust.startupPrompt': 'never' }, null, 2));
    const markers = fs.mkdtempSync(path.join(vs.root, 'markers-'));
    fs.copyFileSync(path.join(SAMPLES, 'incident-wrong.pcapng'), path.join(vs.workspaceDir, 'incident-wrong.pcapng'));
    const fakeTshark = path.join(vs.workspaceDir, 'tools', 'tshark');
    fs.mkdirSync(path.dirname(fakeTshark));
    fs.writeFileSync(fakeTshark, `#!/bin/sh\ntouch '${markers}/tshark-path-ran'\nexec tshark "$@"\n`, { mode: 0o755 });
    fs.mkdirSync(path.join(vs.workspaceDir, '.vscode'));
    fs.writeFileSync(path.join(vs.workspaceDir, '.vscode', 'settings.json'), JSON.stringify({
      'wirelens.tsharkPath': fakeTshark,
      'wirelens.captureSources': [{ name: 'from-the-workspace', command: ['/bin/sh', '-c', `touch '${markers}/capture-source-ran'`] }],
    }, null, 2));
    return await runSuites(vs, 'untrusted workspace', { WIRELENS_E2E_MARKERS: markers }, { workspaceTrust: true });
  } finally {
    await vs.dispose();
  }
}

async function main(): Promise<number> {
  const only = process.env.WIRELENS_E2E_ONLY?.split(',');
  const selected = fs.readdirSync(SUITE_DIR).filter((file) => file.endsWith('.test.js') && (!only || only.some((part) => file.includes(part))));
  let code = 0;
  if (selected.some((file) => !isUntrustedSuite(file))) code = await runTrusted();
  if (selected.some(isUntrustedSuite)) code = Math.max(code, await runUntrusted());
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`runInVsCode: ${error.message}`);
    process.exit(1);
  },
);
