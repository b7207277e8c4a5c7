/**
 * The spine, in a real VS Code: the incident capture opens in the Wirelens editor, a person
 * right-clicks its conversation and picks Follow HTTP Stream (the Playwright driver does the
 * clicking), and the duplicate Transfer-Encoding diagnostic lands on the exact header line.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Handshake } from '../handshake';
import { when } from './vscodeWait';

const handshake = new Handshake(process.env.WIRELENS_E2E_DIR ?? '');
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
    handshake.write('host', 'capture-opened', { activationMs: Date.now() - started });
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
    handshake.write('host', 'diagnostics-ok', { line: diagnostic.range.start.line, text: document.getText(diagnostic.range) });
    // Keep the editor open until the driver has hovered and taken its screenshot.
    await handshake.waitFor('driver', 'screenshots-done', 60_000);
  });
});
