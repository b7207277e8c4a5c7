/**
 * Opens the incident sample in a real VS Code (code-server on 127.0.0.1) with the packaged
 * .vsix installed, and prints the URL. `--check` instead opens the sample in headless
 * Chromium, waits for the conversation row, saves a screenshot and exits: the demo, tested.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createIsolatedVsCode, installVsix, openWorkbench, REPO_ROOT, startCodeServer } from './codeServer';

const VSIX = path.join(REPO_ROOT, 'dist', 'wirelens.vsix');
const SAMPLE = path.join(REPO_ROOT, 'samples', 'incident-wrong.pcapng');

async function check(vs: ReturnType<typeof createIsolatedVsCode>, server: Awaited<ReturnType<typeof startCodeServer>>): Promise<void> {
  const { page } = await openWorkbench(server, { folder: vs.workspaceDir });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(path.basename(SAMPLE));
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const findings = await web.locator('[data-stream="0"]').textContent({ timeout: 60_000 });
  if (!findings?.includes('POST /wrong')) throw new Error(`the installed extension shows an unexpected row: ${findings}`);
  fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'screenshots', 'demo.png') });
  console.log('demo check: the installed .vsix opened the sample and listed its conversation');
}

async function main(): Promise<void> {
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run npm run package first`);
  const vs = createIsolatedVsCode();
  try {
    fs.copyFileSync(SAMPLE, path.join(vs.workspaceDir, path.basename(SAMPLE)));
    await installVsix(vs, VSIX);
    const server = await startCodeServer(vs);
    if (process.argv.includes('--check')) return await check(vs, server);
    console.log(`\nVS Code with Wirelens is running: ${server.url}/?folder=${encodeURIComponent(vs.workspaceDir)}`);
    console.log(`Open it in a browser on this machine and click ${path.basename(SAMPLE)}. Ctrl-C stops it.\n`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  } finally {
    await vs.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`demo: ${error.message}`);
    process.exit(1);
  },
);
