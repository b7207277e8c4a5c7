/**
 * Runs the real-VS-Code tests: code-server 4.100.3 in headless Chromium (scripts/setup installs
 * both). The extension is loaded from this repository; its mocha suite (out/test/integration/
 * suite) runs in the extension host and asks this driver, through uiDriver.ts, to click and type
 * in the workbench as a person would and to take the screenshots in docs/screenshots/.
 * WIRELENS_E2E_ONLY=<part of a suite file name> runs only the matching suite files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createIsolatedVsCode, openWorkbench, REPO_ROOT, startCodeServer } from './codeServer';
import { Handshake } from './handshake';
import { serveUiRequests } from './uiDriver';

const SAMPLES = path.join(REPO_ROOT, 'samples');

async function main(): Promise<number> {
  const vs = createIsolatedVsCode('Default Dark Modern');
  try {
    for (const sample of fs.readdirSync(SAMPLES).filter((name) => /\.(pcapng|pcap|cap)$/.test(name))) {
      fs.copyFileSync(path.join(SAMPLES, sample), path.join(vs.workspaceDir, sample));
    }
    const handshakeDir = fs.mkdtempSync(path.join(vs.root, 'handshake-'));
    const handshake = new Handshake(handshakeDir);
    const started = Date.now();
    const server = await startCodeServer(vs, { WIRELENS_E2E_DIR: handshakeDir, WIRELENS_E2E_STARTED: String(started) });
    const workbench = await openWorkbench(server, {
      folder: vs.workspaceDir,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'integration', 'suite', 'index.js'),
      testTimeoutMs: 600_000,
    });
    const serving = serveUiRequests(workbench.page, handshake, started, workbench.exitCode);
    const code = await workbench.exitCode;
    await serving;
    console.log(`[driver] extension tests exited with ${code}; whole run ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } finally {
    await vs.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`runInVsCode: ${error.message}`);
    process.exit(1);
  },
);
