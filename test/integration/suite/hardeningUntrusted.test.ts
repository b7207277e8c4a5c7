/**
 * A stranger's folder, in a real VS Code with workspace trust on (runInVsCode.ts, runUntrusted):
 * its .vscode/settings.json sets wirelens.tsharkPath to a script and wirelens.captureSources to a
 * command, each of which would leave a file in WIRELENS_E2E_MARKERS if it ran. In restricted mode
 * both settings are ignored (package.json: capabilities.untrustedWorkspaces.restrictedConfigurations):
 * a capture still opens, read by the tshark on PATH, and neither program ever runs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { inWebview, inWorkbench, ui } from './ui';

const MARKERS = process.env.WIRELENS_E2E_MARKERS ?? '';

describe('Untrusted workspace: its tshark path and capture commands are never run', () => {
  const workspace = vscode.workspace.workspaceFolders![0].uri;
  const written = () => fs.readdirSync(MARKERS);

  it('the folder is in restricted mode, and its settings say what they would run', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(fs.existsSync(MARKERS), 'the runner made the markers folder');
    // The folder's settings file names both…
    const file = JSON.parse(fs.readFileSync(vscode.Uri.joinPath(workspace, '.vscode', 'settings.json').fsPath, 'utf8')) as Record<string, unknown>;
    assert.match(String(file['wirelens.tsharkPath']), /tools\/tshark$/);
    assert.equal((file['wirelens.captureSources'] as unknown[]).length, 1);
    // …and VS Code, in restricted mode, gives the extension (and so the server) neither.
    const settings = vscode.workspace.getConfiguration('wirelens');
    assert.equal(settings.get('tsharkPath'), '');
    assert.equal(settings.inspect('tsharkPath')?.workspaceValue, undefined);
    assert.deepEqual(settings.get('captureSources'), []);
  });

  it('a capture opens with the tshark on PATH; the workspace tshark path never runs', async () => {
    const started = Date.now();
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.joinPath(workspace, 'incident-wrong.pcapng'), 'wirelens.capture');
    const row = await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    assert.match(row.value ?? '', /POST \/wrong/);
    const summary = await ui.text(inWebview('#summary'));
    assert.match(summary, /tshark\s*4\.\d+/, summary);
    console.log(`    [measured] restricted mode: rows ${Date.now() - started} ms after openWith`);
    await ui.screenshot('untrusted-workspace');
    assert.deepEqual(written(), []);
  });

  it('the capture source from the workspace is not offered, and asking for it by name runs nothing', async () => {
    await ui.palette('Wirelens: Start Live Capture');
    // The list is there once the interfaces (dumpcap -D, by the tshark on PATH) are in it.
    await ui.waitFor(inWorkbench('.quick-input-widget .quick-input-list .monaco-list-row', 'lo'));
    const picker = await ui.waitFor(inWorkbench('.quick-input-widget .quick-input-list'));
    assert.doesNotMatch(picker.value ?? '', /from-the-workspace/);
    await ui.press('Escape');
    const started = await vscode.commands.executeCommand<string | undefined>('wirelens.startLiveCapture', { source: 'from-the-workspace' });
    assert.equal(started, undefined);
    // Bounded wait: a command that had been started would have touched its marker by now.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(written(), []);
  });
});
