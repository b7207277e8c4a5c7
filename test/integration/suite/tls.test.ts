/**
 * TLS in a real VS Code: a TLS capture's followed stream says it is encrypted; Wirelens: Attach
 * TLS Key Log… decrypts it and the duplicate Transfer-Encoding diagnostic lands on the decrypted
 * header line; Wirelens: Embed TLS Keys into Capture… writes a copy that decrypts with no key
 * log; h2 inside TLS gets its HTTP/2 diagnostics on the decoded field line.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatStreamUri } from '../../../protocol/streamUri';
import { when } from './vscodeWait';

/** The repository's samples/ (this bundle runs from out/test/integration/suite). */
function samplesDir(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'samples', 'tls-incident.pcapng'))) return path.join(dir, 'samples');
  }
  throw new Error(`no samples/tls-incident.pcapng above ${__dirname}`);
}

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);

function diagnosticsWith(uri: vscode.Uri, ruleId: string): Promise<vscode.Diagnostic[]> {
  return when(vscode.languages.onDidChangeDiagnostics, () => {
    const list = vscode.languages.getDiagnostics(uri);
    return list.some((d) => codeOf(d) === ruleId) ? list : undefined;
  });
}

function textContaining(document: vscode.TextDocument, needle: string): Promise<vscode.TextDocument> {
  return when(vscode.workspace.onDidChangeTextDocument, () => (document.getText().includes(needle) ? document : undefined));
}

describe('TLS: attach a key log, embed keys', () => {
  const samples = samplesDir();
  const capture = path.join(samples, 'tls-incident.pcapng');
  const keyLog = path.join(samples, 'tls-incident.keys');
  const uri = vscode.Uri.parse(formatStreamUri({ capture, stream: 0, mode: 'http' }));

  it('shows a TLS conversation without keys as its handshake facts and the hint', async () => {
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: false });
    assert.match(document.getText(), /TLS 1\.3 · SNI wirelens\.test/);
    assert.match(document.getText(), /encrypted: attach a key log/);
    assert.ok(!vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === 'duplicate-transfer-encoding'));
  });

  it('Attach TLS Key Log… decrypts it: the diagnostic lands on the decrypted header line', async () => {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())!;
    const refreshed = textContaining(document, 'decrypted with the session keys');
    const summary = await vscode.commands.executeCommand<{ findings: number } | undefined>('wirelens.attachTlsKeyLog', { capture, keyLog });
    assert.equal(summary?.findings, 1);
    const [diagnostics] = await Promise.all([diagnosticsWith(uri, 'duplicate-transfer-encoding'), refreshed]);
    const diagnostic = diagnostics.find((d) => codeOf(d) === 'duplicate-transfer-encoding')!;
    assert.equal(document.getText(diagnostic.range), 'transfer-encoding: chunked');
    assert.match(diagnostic.message, /Transfer-Encoding appears 2 times/);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
  });

  it('Embed TLS Keys into Capture… writes a pcapng that decrypts with no key log', async () => {
    const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-embed-')), 'tls-incident-with-keys.pcapng');
    const result = await vscode.commands.executeCommand<{ output: string } | undefined>('wirelens.embedTlsKeys', { capture, keyLog, output });
    assert.equal(result?.output, output);
    assert.ok(fs.statSync(output).size > fs.statSync(capture).size);
    const embeddedUri = vscode.Uri.parse(formatStreamUri({ capture: output, stream: 0, mode: 'http' }));
    const waiting = diagnosticsWith(embeddedUri, 'duplicate-transfer-encoding');
    const document = await vscode.workspace.openTextDocument(embeddedUri);
    await vscode.window.showTextDocument(document, { preview: false });
    const diagnostic = (await waiting).find((d) => codeOf(d) === 'duplicate-transfer-encoding')!;
    assert.equal(document.getText(diagnostic.range), 'transfer-encoding: chunked');
  });

  it('h2 inside TLS: the uppercase field name is diagnosed on its decoded line', async () => {
    const h2Capture = path.join(samples, 'tls-h2-malformed.pcapng');
    await vscode.commands.executeCommand('wirelens.attachTlsKeyLog', { capture: h2Capture, keyLog: path.join(samples, 'tls-h2-malformed.keys') });
    const h2Uri = vscode.Uri.parse(formatStreamUri({ capture: h2Capture, stream: 0, mode: 'http' }));
    const waiting = diagnosticsWith(h2Uri, 'h2-uppercase-header-name');
    const document = await vscode.workspace.openTextDocument(h2Uri);
    await vscode.window.showTextDocument(document, { preview: false });
    const diagnostics = await waiting;
    const uppercase = diagnostics.find((d) => codeOf(d) === 'h2-uppercase-header-name')!;
    assert.equal(document.getText(uppercase.range).split('\n')[0], 'X-Trace-Id: 7f3a');
    assert.ok(diagnostics.some((d) => codeOf(d) === 'h2-goaway'));
    assert.match(document.getText(), /✖ RST_STREAM PROTOCOL_ERROR \(0x1\) from the server/);
  });
});
