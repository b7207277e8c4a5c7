/**
 * The spine, in a real VS Code: the incident capture opens in the Wirelens editor, a person
 * right-clicks its conversation and picks Follow HTTP Stream (the Playwright driver does the
 * clicking), and the duplicate Transfer-Encoding diagnostic lands on the exact header line.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { inWebview, inWorkbench, inWorkbenchMatching, ui } from './ui';
import { when } from './vscodeWait';

const STREAM_SCHEME = 'wirelens-stream';

const streamDiagnostics = () =>
  when(vscode.languages.onDidChangeDiagnostics, () =>
    vscode.languages.getDiagnostics().find(([uri, list]) => uri.scheme === STREAM_SCHEME && list.length > 0),
  );

describe('Follow HTTP Stream on the incident capture', () => {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
  const capture = workspace && vscode.Uri.joinPath(workspace, 'incident-wrong.pcapng');

  it('activates when a capture opens, in the Wirelens capture editor', async () => {
    assert.ok(capture, 'the driver opens a workspace folder holding the sample');
    const started = Date.now();
    await vscode.commands.executeCommand('vscode.openWith', capture, 'wirelens.capture');
    const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'wirelens');
    assert.ok(extension?.isActive, 'opening a capture activates Wirelens');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, 'the capture is shown in a custom editor');
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'wirelens.capture');
    console.log(`    openWith (activation + server start + analysis) took ${Date.now() - started} ms`);
  });

  it('lists the conversation and groups the finding with what each implementation does', async () => {
    const row = await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    console.log(`    first conversation row visible ${row.elapsedMs} ms after code-server start`);
    assert.match(row.value ?? '', /POST \/wrong/);
    const group = await ui.waitFor(inWebview('#findings details[data-rule="duplicate-transfer-encoding"]'));
    for (const expected of ['Transfer-Encoding sent more than once', 'Envoy (Istio): reject', 'HAProxy: reject', 'nginx:', 'curl:']) {
      assert.ok(group.value?.includes(expected), `findings panel lacks "${expected}": ${group.value?.slice(0, 400)}`);
    }
    await ui.screenshot('capture-editor');
  });

  it('opens the stream from a real right-click on the row → Follow HTTP Stream', async () => {
    await ui.rightClick(inWebview('[data-stream="0"]'));
    await ui.menu('Follow HTTP Stream');
  });

  it('puts the duplicate-transfer-encoding diagnostic on the response header line', async () => {
    const [uri, diagnostics] = await streamDiagnostics();
    assert.equal(path.posix.basename(uri.path), 'stream-0.http');
    // The diagnostics arrive when the document opens; the editor showing it follows.
    const editor = await when(vscode.window.onDidChangeVisibleTextEditors, () =>
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()),
    );
    const document = editor.document;

    assert.equal(diagnostics.length, 1);
    const [diagnostic] = diagnostics;
    assert.equal(diagnostic.source, 'wirelens');
    assert.equal(typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code, 'duplicate-transfer-encoding');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(diagnostic.range), 'transfer-encoding: chunked');
    assert.match(diagnostic.message, /Transfer-Encoding appears 2 times/);
    assert.match(diagnostic.message, /Envoy rejects it \(502 UPE\)/);
    // The range sits in the response, below the response heading and above the body.
    const responseHeading = document.getText().split('\n').findIndex((line) => line.startsWith('◀ response 1'));
    assert.ok(responseHeading >= 0 && diagnostic.range.start.line > responseHeading);
    const related = diagnostic.relatedInformation ?? [];
    assert.equal(related.length, 1);
    assert.equal(document.getText(related[0].location.range), 'Transfer-Encoding: Chunked');

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, diagnostic.range.start);
    const hoverText = hovers
      .flatMap((hover) => hover.contents)
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n');
    assert.match(hoverText, /RFC 9112 §6\.1/);
    assert.match(hoverText, /502, response flag UPE, upstream_reset_before_response_started\{protocol_error\}/);
    assert.match(hoverText, /curl/);

    // A person hovers the squiggled line: the hover shows the rule and the verdicts. Case matters
    // here (the first TE line differs only in case); Monaco may render spaces as NBSP.
    const lineText = document.getText(diagnostic.range).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s');
    await ui.hover(inWorkbenchMatching('.monaco-editor .view-line > span', new RegExp(lineText)));
    await ui.waitFor(inWorkbench('.monaco-hover', 'RFC 9112'));
    await ui.screenshot('duplicate-te-hover');
  });
});
