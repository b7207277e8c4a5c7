/**
 * Runs the real-VS-Code tests: code-server 4.100.3 in headless Chromium (scripts/setup installs
 * both). The extension is loaded from this repository; its mocha suite (out/test/integration/
 * suite) runs in the extension host while this driver clicks and types in the workbench as a
 * person would, and takes the screenshots in docs/screenshots/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createIsolatedVsCode, openWorkbench, REPO_ROOT, startCodeServer } from './codeServer';
import { Handshake } from './handshake';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const SAMPLE = path.join(REPO_ROOT, 'samples', 'incident-wrong.pcapng');

async function main(): Promise<number> {
  const vs = createIsolatedVsCode('Default Dark Modern');
  try {
    fs.copyFileSync(SAMPLE, path.join(vs.workspaceDir, path.basename(SAMPLE)));
    const handshakeDir = fs.mkdtempSync(path.join(vs.root, 'handshake-'));
    const handshake = new Handshake(handshakeDir);
    const started = Date.now();
    const server = await startCodeServer(vs, { WIRELENS_E2E_DIR: handshakeDir });
    const workbench = await openWorkbench(server, {
      folder: vs.workspaceDir,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'integration', 'suite', 'index.js'),
      testTimeoutMs: 180_000,
    });
    const { page } = workbench;
    const driver = (async () => {
      const opened = await handshake.waitFor('host', 'capture-opened', 120_000);
      console.log(`[driver] capture editor open ${opened.t - started} ms after code-server start (openWith took ${opened.activationMs} ms)`);
      const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const row = web.locator('[data-stream="0"]');
      await row.waitFor({ timeout: 60_000 });
      console.log(`[driver] first conversation row visible ${Date.now() - started} ms after code-server start`);
      // The findings panel names the rule and what the measured implementations do with it.
      const group = web.locator('#findings details[data-rule="duplicate-transfer-encoding"]');
      await group.waitFor({ timeout: 30_000 });
      const panelText = (await group.textContent()) ?? '';
      for (const expected of ['Transfer-Encoding sent more than once', 'Envoy (Istio): reject', 'HAProxy: reject', 'nginx:', 'curl:']) {
        if (!panelText.includes(expected)) throw new Error(`findings panel lacks "${expected}": ${panelText.slice(0, 400)}`);
      }
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'capture-editor.png') });

      // A real right-click on the row, then the contributed menu item.
      await row.click({ button: 'right' });
      const item = page.locator('.context-view .monaco-menu .action-item', { hasText: 'Follow HTTP Stream' });
      await item.waitFor({ timeout: 15_000 });
      await page.waitForTimeout(250); // a click in the menu's first moments is ignored (VSCODE-E2E.md)
      await item.click();
      handshake.write('driver', 'menu-clicked');

      const checked = await handshake.waitFor('host', 'diagnostics-ok', 60_000);
      // Hover the squiggled header line so the screenshot shows the diagnostic and the verdicts.
      // Case matters here: the first TE line differs only in case. Monaco may render spaces as NBSP.
      const exact = new RegExp(String(checked.text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s'));
      const line = page.locator('.monaco-editor .view-line', { hasText: exact }).first();
      await line.waitFor({ timeout: 15_000 });
      const box = await line.boundingBox();
      if (!box) throw new Error('the diagnosed line has no bounding box');
      await page.mouse.move(box.x + 40, box.y + box.height / 2, { steps: 5 });
      await page.locator('.monaco-hover', { hasText: 'RFC 9112' }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'duplicate-te-hover.png') });
      handshake.write('driver', 'screenshots-done');
    })();
    // If the driver fails, tell the host side so it does not wait for screenshots forever.
    driver.catch((error: Error) => {
      console.error(`[driver] ${error.message}`);
      handshake.write('driver', 'screenshots-done', { failed: true });
    });
    const code = await workbench.exitCode;
    const driverFailed = await driver.then(() => false, () => true);
    console.log(`[driver] extension tests exited with ${code}; whole run ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code === 0 && !driverFailed ? 0 : 1;
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
