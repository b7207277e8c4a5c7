/**
 * Wirelens in the workbench, as a person uses it: the Explorer context menu (Analyze Capture into
 * the Problems panel, Open with Wirelens), the status bar, the editor-title Follow action, a
 * followed stream's language, colours, Outline and breadcrumbs, its code actions (rule
 * documentation, Copy as curl), Copy as curl on a conversation, wirelens.rules, the palette, the
 * notifications for a missing and a too-old tshark, the large-file question, and the walkthrough.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseStreamUri } from '../../../protocol/streamUri';
import { inWebview, inWorkbench, ui } from './ui';
import { clipboardAfter, eventually, when } from './vscodeWait';

const EXPECTED_CURL =
  "curl --http1.1 -X POST --path-as-is -H 'Host: 127.0.0.1:39779' -H 'User-Agent: curl/7.88.1' -H 'Accept: */*' " +
  `-H 'Content-Type: application/json' -H 'Content-Length: 28' --data-raw '{"order":42,"item":"widget"}' http://127.0.0.1:39779/wrong`;

const workspace = vscode.workspace.workspaceFolders![0].uri;
const sampleUri = (name: string) => vscode.Uri.joinPath(workspace, name);
/**
 * A copy of a sample under a name no other suite has opened: the server caches an analysis per
 * file, and a tshark problem only shows when tshark is asked to read something new.
 */
function freshCopy(name: string): vscode.Uri {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-')), `fresh-${name}`);
  fs.copyFileSync(sampleUri(name).fsPath, copy);
  return vscode.Uri.file(copy);
}
const settings = () => vscode.workspace.getConfiguration('wirelens');

/** Rejects after `ms` with what was awaited, so a hang names itself. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)))]).finally(() => clearTimeout(timer));
}

/** The diagnostics of a capture's HTTP stream documents, once `accept` likes them. */
function streamDiagnostics(capture: string, accept: (list: readonly vscode.Diagnostic[]) => boolean): Promise<[vscode.Uri, vscode.Diagnostic[]]> {
  return within(
    30_000,
    `diagnostics of ${path.basename(capture)}`,
    when(vscode.languages.onDidChangeDiagnostics, () =>
      vscode.languages.getDiagnostics().find(([uri, list]) => parseStreamUri(uri.toString())?.capture === capture && accept(list)),
    ),
  );
}

function activeTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.activeTabGroup.activeTab;
}

function tabWhere(test: (tab: vscode.Tab) => boolean, what: string): Promise<vscode.Tab> {
  const find = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).find(test);
  return within(30_000, what, when(vscode.window.tabGroups.onDidChangeTabs, find));
}

const codeOf = (diagnostic: vscode.Diagnostic) => (typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code);

describe('Wirelens in the workbench', function () {
  this.timeout(120_000);
  const incident = sampleUri('incident-wrong.pcapng').fsPath;
  let streamUri: vscode.Uri;
  let fakeTsharkDir: string | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await ui.screenshot(`debug-${this.currentTest.title.slice(0, 30).replace(/[^a-z0-9]+/gi, '-')}`);
  });

  after(async () => {
    for (const key of ['tsharkPath', 'rules', 'maxFileSizeMB']) await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
    if (fakeTsharkDir) fs.rmSync(fakeTsharkDir, { recursive: true, force: true });
  });

  it('activates, and every contributed command is registered under the Wirelens category', async () => {
    const extension = vscode.extensions.getExtension('wirelens.wirelens');
    assert.ok(extension, 'the extension is loaded');
    const started = performance.now();
    await extension.activate();
    console.log(`    activation took ${(performance.now() - started).toFixed(0)} ms (${extension.isActive ? 'active' : 'inactive'})`);
    const contributed = extension.packageJSON.contributes.commands as { command: string; category?: string }[];
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command, category } of contributed) {
      assert.equal(category, 'Wirelens', `${command} is in the Wirelens category`);
      assert.ok(registered.has(command), `${command} is registered`);
    }
    const menus = extension.packageJSON.contributes.menus as Record<string, { command: string }[]>;
    for (const [menu, items] of Object.entries(menus)) {
      for (const item of items) assert.ok(contributed.some((c) => c.command === item.command), `${menu} names a contributed command: ${item.command}`);
    }
  });

  it('Explorer: right-click a capture → Analyze Capture puts its findings into the Problems panel', async () => {
    await vscode.commands.executeCommand('workbench.view.explorer');
    await ui.rightClick(inWorkbench('.explorer-folders-view .monaco-list-row', 'incident-wrong.pcapng'));
    await ui.menu('Analyze Capture');
    const [uri, diagnostics] = await streamDiagnostics(incident, (list) => list.length > 0);
    streamUri = uri;
    assert.equal(path.posix.basename(uri.path), 'stream-0.http');
    assert.deepEqual(diagnostics.map(codeOf), ['duplicate-transfer-encoding']);
    const notice = await ui.waitFor(inWorkbench('.notification-list-item', 'listed in the Problems panel'));
    assert.match(notice.value ?? '', /1 finding in 1 of 1 TCP conversation of incident-wrong\.pcapng/);
    // Earlier suites may have left findings of their own in Problems (a virtual list: rows out of
    // view are not drawn): show only this rule's, as a person would, with the panel's filter.
    await ui.fill(inWorkbench('.viewpane-filter-container .viewpane-filter input'), 'duplicate-transfer-encoding');
    const row = await ui.waitFor(inWorkbench('.markers-panel .monaco-list-row', 'Transfer-Encoding appears 2 times'));
    assert.match(row.value ?? '', /duplicate-transfer-encoding/);
    // The progress notification closes once the analysis is in.
    await ui.waitGone(inWorkbench('.notification-list-item', 'analyzing incident-wrong.pcapng'));
    await ui.screenshot('analyze-capture-problems');
    await ui.fill(inWorkbench('.viewpane-filter-container .viewpane-filter input'), '');
    // No editor shows the stream: the findings are in Problems without one. (Other suites may have
    // opened this document earlier, and VS Code keeps closed documents for a while.)
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs);
    assert.ok(!tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
  });

  it('Explorer: Open with Wirelens opens the capture editor; the status bar counts its findings', async () => {
    await ui.press('Escape');
    await ui.rightClick(inWorkbench('.explorer-folders-view .monaco-list-row', 'incident-wrong.pcapng'));
    await ui.menu('Open with Wirelens');
    const tab = await tabWhere((t) => t.isActive && t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === incident, 'the capture editor');
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'wirelens.capture');
    const status = await ui.waitFor(inWorkbench('.statusbar-item', 'Wirelens: 1 finding'));
    assert.match(status.value ?? '', /Wirelens: 1 finding$/);
  });

  it('selecting a conversation shows the editor-title Follow action, which follows its HTTP stream', async () => {
    await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    await ui.click(inWebview('[data-stream="0"]'));
    await ui.click(inWorkbench('.editor-actions .action-label[aria-label*="Follow Selected Conversation"]'));
    const editor = await within(30_000, 'the followed stream', when(vscode.window.onDidChangeVisibleTextEditors, () =>
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === streamUri.toString()),
    ));
    assert.equal(editor.document.languageId, 'wirelens-stream', 'the TextMate grammar applies to stream documents');
  });

  it('the stream document is coloured by the grammar: header names differ from header values and from body text', async () => {
    const classesOf = (text: string) =>
      ui.evaluate<string[] | null>(
        'workbench',
        `const line = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) => l.textContent.replace(/\\u00a0/g, ' ') === ${JSON.stringify(text)});
         return line ? [...line.querySelectorAll('span > span')].map((s) => s.textContent.replace(/\\u00a0/g, ' ') + '=' + s.className) : null;`,
      );
    // Tokenizing starts when the grammar has loaded: wait until the line is split into tokens.
    const header = await eventually('the header line split into tokens', async () => {
      const tokens = await classesOf('transfer-encoding: chunked');
      return tokens && tokens.length > 1 ? tokens : undefined;
    });
    const classOf = (tokens: string[], text: string) => tokens.find((token) => token.slice(0, token.lastIndexOf('=')) === text)?.split('=').pop();
    const nameClass = classOf(header, 'transfer-encoding');
    const valueClass = classOf(header, 'chunked');
    const body = await classesOf('{"order":42,"item":"widget"}');
    assert.ok(nameClass && valueClass && body, `tokens: ${JSON.stringify({ header, body })}`);
    assert.notEqual(nameClass, valueClass);
    assert.ok(!body.some((token) => token.endsWith(`=${nameClass}`)), 'no body token has the header-name colour');
  });

  it('Outline and breadcrumbs: each exchange is a symbol, with request, response, headers and body', async () => {
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', streamUri);
    assert.deepEqual(symbols.map((s) => [s.name, s.detail]), [['POST /wrong', '200 OK']]);
    assert.deepEqual(symbols[0].children.map((c) => c.name), ['request 1', 'response 1']);
    assert.deepEqual(symbols[0].children[1].children.map((c) => [c.name, c.detail]), [['headers', '3 fields'], ['body', '48 bytes, chunked']]);

    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === streamUri.toString())!;
    await vscode.window.showTextDocument(shown.document, shown.viewColumn);
    // The stream alone, wide enough for the whole breadcrumb path.
    await vscode.commands.executeCommand('workbench.action.joinAllGroups');
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), streamUri.toString());
    const line = editor.document.getText().split('\n').indexOf('transfer-encoding: chunked');
    editor.selection = new vscode.Selection(line, 3, line, 3);
    editor.revealRange(new vscode.Range(line, 0, line, 0));
    for (const crumb of ['POST /wrong', 'response 1', 'headers']) await ui.waitFor(inWorkbench('.breadcrumbs-control .monaco-breadcrumb-item', crumb));
    await vscode.commands.executeCommand('outline.focus');
    await ui.waitFor(inWorkbench('.monaco-list-row', 'POST /wrong'));
    await ui.waitFor(inWorkbench('.monaco-list-row', '200 OK'));
    await ui.screenshot('outline-breadcrumbs');
  });

  /** The code actions VS Code offers on the stream document's (one) diagnostic. */
  const codeActionsOnTheFinding = () => {
    const [diagnostic] = vscode.languages.getDiagnostics(streamUri);
    return vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', streamUri, diagnostic.range);
  };

  it('code actions on the diagnostic: Show rule documentation opens the rule in a Markdown preview', async () => {
    const actions = await codeActionsOnTheFinding();
    assert.deepEqual(actions.map((a) => a.title), [
      'Show rule documentation: Transfer-Encoding sent more than once (duplicate-transfer-encoding)',
      'Copy as curl: POST /wrong',
    ]);
    // As a person: stream documents are read-only, where VS Code offers no light bulb; the
    // Problems panel offers the fixes of a problem (Ctrl+. on its row).
    await ui.click(inWorkbench('.markers-panel .monaco-list-row', 'Transfer-Encoding appears 2 times'));
    await ui.press('Control+.');
    await ui.menu('Show rule documentation');
    await tabWhere((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType) && t.label.includes('duplicate-transfer-encoding'), 'the rule preview');
    const markdown = await vscode.workspace.openTextDocument(vscode.Uri.parse('wirelens-rule:/duplicate-transfer-encoding.md'));
    assert.match(markdown.getText(), /^## `duplicate-transfer-encoding` — Transfer-Encoding sent more than once$/m);
    assert.match(markdown.getText(), /\| Envoy \(Istio\) \| reject \|/);
    // The preview (the one visible webview now) shows the rule and its verdict table.
    await ui.waitFor(inWebview('h2', 'Transfer-Encoding sent more than once'));
    await ui.waitFor(inWebview('table', 'Envoy (Istio)'));
    await ui.screenshot('rule-documentation');
  });

  it('code action Copy as curl puts the exchange on the clipboard as a curl command', async () => {
    const curl = (await codeActionsOnTheFinding()).find((a) => a.title.startsWith('Copy as curl'))!;
    const copied = await clipboardAfter(async () => vscode.commands.executeCommand(curl.command!.command, ...(curl.command!.arguments ?? [])));
    assert.equal(copied, EXPECTED_CURL);
  });

  it('Copy as curl on a conversation (the capture editor context menu)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(incident), 'wirelens.capture');
    await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    const copied = await clipboardAfter(async () => {
      await ui.rightClick(inWebview('[data-stream="0"]'));
      await ui.menu('Copy as curl');
    });
    assert.equal(copied, EXPECTED_CURL);
  });

  it('wirelens.rules: a severity override changes the diagnostic, "off" removes it (hover too)', async () => {
    await settings().update('rules', { 'duplicate-transfer-encoding': 'warning' }, vscode.ConfigurationTarget.Global);
    const [, warned] = await streamDiagnostics(incident, (list) => list.length === 1 && list[0].severity === vscode.DiagnosticSeverity.Warning);
    assert.equal(codeOf(warned[0]), 'duplicate-transfer-encoding');
    const hoverText = async () =>
      (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', streamUri, warned[0].range.start))
        .flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value)))
        .join('\n');
    assert.match(await hoverText(), /duplicate-transfer-encoding/);
    await settings().update('rules', { 'duplicate-transfer-encoding': 'off' }, vscode.ConfigurationTarget.Global);
    await within(30_000, 'the diagnostic to go', when(vscode.languages.onDidChangeDiagnostics, () => (vscode.languages.getDiagnostics(streamUri).length === 0 ? true : undefined)));
    assert.doesNotMatch(await hoverText(), /duplicate-transfer-encoding/, 'a rule turned off is not in the hover either');
    // The capture editor asks again: its status bar, rows and findings panel count none.
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(incident), 'wirelens.capture');
    await ui.waitFor(inWorkbench('.statusbar-item', 'Wirelens: 0 findings'));
    await settings().update('rules', undefined, vscode.ConfigurationTarget.Global);
    const [, back] = await streamDiagnostics(incident, (list) => list.length === 1 && list[0].severity === vscode.DiagnosticSeverity.Error);
    assert.equal(codeOf(back[0]), 'duplicate-transfer-encoding');
    await ui.waitFor(inWorkbench('.statusbar-item', 'Wirelens: 1 finding'));
  });

  it('palette: Wirelens: Show Rule Documentation… picks a rule by id', async () => {
    await ui.palette('Wirelens: Show Rule Documentation');
    await ui.waitFor(inWorkbench('.quick-input-list .monaco-list-row', 'cl-and-te'));
    await ui.type('cl-and-te');
    await ui.press('Enter');
    await tabWhere((t) => t.input instanceof vscode.TabInputWebview && t.label.includes('cl-and-te'), 'the cl-and-te preview');
  });

  it('tshark missing: the notification says how to install it; Copy Install Command copies it', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await settings().update('tsharkPath', '/nonexistent/bin/tshark', vscode.ConfigurationTarget.Global);
    try {
      void vscode.commands.executeCommand('wirelens.analyzeCapture', freshCopy('cl-and-te.pcapng'));
      const notice = await ui.waitFor(inWorkbench('.notification-list-item', 'Wirelens needs tshark'));
      assert.match(notice.value ?? '', /did not find "\/nonexistent\/bin\/tshark"/);
      assert.match(notice.value ?? '', /sudo apt install tshark/);
      assert.match(notice.value ?? '', /wireshark\.org/);
      assert.match(notice.value ?? '', /Open Settings/);
      await ui.screenshot('tshark-missing-notification');
      const copied = await clipboardAfter(() => ui.click(inWorkbench('.notification-list-item .monaco-button', 'Copy Install Command')));
      assert.equal(copied, 'sudo apt install tshark');
    } finally {
      await settings().update('tsharkPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('tshark too old: the notification names the version found and the one needed; Open Settings shows wirelens.tsharkPath', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fakeTsharkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'old-tshark-'));
    const fake = path.join(fakeTsharkDir, 'tshark');
    fs.writeFileSync(fake, '#!/bin/sh\necho "TShark (Wireshark) 2.6.10 (Git v2.6.10 packaged as 2.6.10-1~ubuntu18.04.0)"\n', { mode: 0o755 });
    await settings().update('tsharkPath', fake, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('vscode.openWith', freshCopy('proxy-502.pcapng'), 'wirelens.capture');
      const notice = await ui.waitFor(inWorkbench('.notification-list-item', 'too old'));
      assert.match(notice.value ?? '', /tshark 2\.6\.10 .* is too old: Wirelens needs tshark 3\.0 or newer/);
      await ui.screenshot('tshark-too-old-notification');
      await ui.click(inWorkbench('.notification-list-item .monaco-button', 'Open Settings'));
      // A machine setting: code-server is a remote window, so it is shown in the Remote tab.
      await ui.waitFor(inWorkbench('.settings-editor .setting-item-contents', 'Path to the tshark binary'));
      assert.equal(activeTab()?.label, 'Settings');
      await ui.screenshot('tshark-path-setting');
    } finally {
      await settings().update('tsharkPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('wirelens.maxFileSizeMB: a larger capture asks first; Cancel does not read it, Open Anyway does', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await settings().update('maxFileSizeMB', 0.001, vscode.ConfigurationTarget.Global); // ~1 KB: every sample is larger
    const capture = sampleUri('h2c-upgrade.pcapng');
    void vscode.commands.executeCommand('vscode.openWith', capture, 'wirelens.capture');
    try {
      const question = await ui.waitFor(inWorkbench('.notification-list-item', 'more than wirelens.maxFileSizeMB'));
      assert.match(question.value ?? '', /h2c-upgrade\.pcapng is 2\.4 KB, more than wirelens\.maxFileSizeMB \(0\.001 MB\)/);
      await ui.screenshot('large-capture-question');
      await ui.click(inWorkbench('.notification-list-item .monaco-button', 'Cancel'));
      await ui.waitFor(inWebview('body', 'was not opened'));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

      void vscode.commands.executeCommand('vscode.openWith', capture, 'wirelens.capture');
      await ui.click(inWorkbench('.notification-list-item .monaco-button', 'Open Anyway'));
      await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    } finally {
      await settings().update('maxFileSizeMB', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the walkthrough opens the bundled incident sample', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'wirelens.wirelens#incident', false);
    await ui.waitFor(inWorkbench('.getting-started-step', 'Open the incident capture'));
    await ui.screenshot('walkthrough');
    await ui.click(inWorkbench('.getting-started-step .monaco-button', 'Open the Incident Sample'));
    const extensionSample = vscode.Uri.joinPath(vscode.extensions.getExtension('wirelens.wirelens')!.extensionUri, 'samples', 'incident-wrong.pcapng').fsPath;
    await tabWhere((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === extensionSample, 'the bundled sample in the capture editor');
    await ui.waitFor(inWebview('[data-stream="0"]', 'POST /wrong'), 60_000);
  });
});
