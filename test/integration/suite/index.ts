/**
 * Mocha inside the extension host: code-server loads this as extensionTestsPath. WIRELENS_E2E_ONLY
 * narrows the files, WIRELENS_E2E_GREP the tests (mocha's --grep).
 */
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const grep = process.env.WIRELENS_E2E_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 90_000, ...(grep ? { grep } : {}) });
  const only = process.env.WIRELENS_E2E_ONLY?.split(',');
  for (const file of fs.readdirSync(__dirname).sort()) {
    // Suites named *Untrusted* need restricted mode: runInVsCode.ts runs them in a VS Code with workspace trust on.
    const wanted = file.includes('Untrusted') === !vscode.workspace.isTrusted;
    if (file.endsWith('.test.js') && (!only || only.some((part) => file.includes(part))) && wanted) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) =>
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension test(s) failed`)) : resolve())),
  );
}
