/**
 * Theming, in a real VS Code: the capture editor and a followed stream in the light, dark and
 * high-contrast themes. The webview takes every colour from the --vscode-* variables, so a theme
 * switch must change them without a reload; the screenshots in docs/screenshots/ are the README's.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { formatStreamUri } from '../../../protocol/streamUri';
import { inWebview, ui } from './ui';

const THEMES = [
  { name: 'Default Light Modern', file: 'light' },
  { name: 'Default Dark Modern', file: 'dark' },
  { name: 'Default High Contrast', file: 'high-contrast' },
] as const;

/** What the webview's body is painted with: its background colour, as the browser computed it. */
const webviewBackground = () => ui.evaluate<string>('webview', 'return getComputedStyle(document.body).backgroundColor;');

describe('Themes: light, dark and high contrast', () => {
  const workspace = vscode.workspace.workspaceFolders![0].uri;
  const capture = vscode.Uri.joinPath(workspace, 'incident-wrong.pcapng');
  const workbench = () => vscode.workspace.getConfiguration('workbench');
  const original = workbench().get<string>('colorTheme');

  after(async () => {
    await workbench().update('colorTheme', original, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.explorer');
  });

  it('repaints the capture editor and the stream document in each theme', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Opening the capture activates Wirelens, which serves the wirelens-stream: documents.
    await vscode.commands.executeCommand('vscode.openWith', capture, 'wirelens.capture', vscode.ViewColumn.One);
    const stream = await vscode.workspace.openTextDocument(vscode.Uri.parse(formatStreamUri({ capture: capture.fsPath, stream: 0, mode: 'http' })));
    await vscode.window.showTextDocument(stream, { viewColumn: vscode.ViewColumn.Two, preview: false });
    await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    await vscode.commands.executeCommand('workbench.action.closeSidebar'); // room for both editors
    const backgrounds = new Set<string>();
    for (const theme of THEMES) {
      const changed = new Promise<void>((resolve) => {
        const listener = vscode.window.onDidChangeActiveColorTheme(() => { listener.dispose(); resolve(); });
      });
      if (workbench().get('colorTheme') !== theme.name) {
        await workbench().update('colorTheme', theme.name, vscode.ConfigurationTarget.Global);
        await changed;
      }
      // The webview learns the new variables by a style update: wait until its background follows.
      const deadline = Date.now() + 10_000;
      let background = await webviewBackground();
      while (backgrounds.has(background) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        background = await webviewBackground();
      }
      assert.ok(!backgrounds.has(background), `the webview kept the previous theme's background ${background} in ${theme.name}`);
      backgrounds.add(background);
      await ui.screenshot(`theme-${theme.file}`);
    }
    assert.equal(backgrounds.size, THEMES.length);
  });
});
