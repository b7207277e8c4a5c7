/**
 * The capture editor: a read-only custom editor whose webview shows the server's view of a
 * capture. This class only relays: webview messages become server requests, server answers
 * become webview messages (protocol/webviewProtocol.ts).
 */
import * as vscode from 'vscode';
import { ConversationsRequest, OpenCaptureRequest } from '../../protocol/lspProtocol';
import type { CaptureSummary } from '../../protocol/model';
import type { FromWebviewMessage, ToWebviewMessage } from '../../protocol/webviewProtocol';
import type { WirelensClient } from './client';
import { CAPTURE_VIEW_TYPE, Commands } from './constants';
import { CaptureStatusBar } from './statusBar';
import { buildWebviewHtml, webviewRoot } from './webviewHtml';

class CaptureDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

/** One open editor: its panel, its load, its cancellation. */
class CaptureEditorSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private load?: vscode.CancellationTokenSource;
  private summary?: CaptureSummary;

  constructor(
    private readonly capture: string,
    private readonly panel: vscode.WebviewPanel,
    private readonly client: WirelensClient,
    private readonly statusBar: CaptureStatusBar,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: FromWebviewMessage) => this.onMessage(message)),
      client.onLoadProgress((progress) => {
        if (progress.capture === capture) this.post({ type: 'progress', packets: progress.packets, fraction: progress.fraction });
      }),
      panel.onDidChangeViewState(() => this.showStatus()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(message: ToWebviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private showStatus(): void {
    if (this.panel.active && this.summary) this.statusBar.show(this.summary);
    else if (!this.panel.active) this.statusBar.hideFor(this.capture);
  }

  private async onMessage(message: FromWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.startLoad();
      case 'requestConversations': {
        const client = await this.client.get();
        const result = await client.sendRequest(ConversationsRequest.type, {
          capture: this.capture,
          start: message.start,
          count: message.count,
        });
        return this.post({ type: 'conversations', requestId: message.requestId, result });
      }
      case 'follow':
        await vscode.commands.executeCommand(
          message.mode === 'http' ? Commands.followHttpStream : Commands.followTcpStream,
          { capture: this.capture, stream: message.stream },
        );
        return;
      case 'cancelLoad':
        this.load?.cancel();
        return;
    }
  }

  /** (Re)loads on every `ready`, so a reloaded webview gets its state again; the server caches. */
  private async startLoad(): Promise<void> {
    this.load?.cancel();
    const load = new vscode.CancellationTokenSource();
    this.load = load;
    this.post({ type: 'loading', file: this.capture });
    try {
      const client = await this.client.get();
      this.summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Wirelens: reading capture' },
        () => client.sendRequest(OpenCaptureRequest.type, { capture: this.capture }, load.token),
      );
      this.post({ type: 'loaded', summary: this.summary });
      this.showStatus();
    } catch (error) {
      const message = load.token.isCancellationRequested
        ? 'Loading was cancelled. Reopen the file to try again.'
        : error instanceof Error
          ? error.message
          : String(error);
      this.post({ type: 'error', message });
      if (!load.token.isCancellationRequested) void showLoadError(message);
    } finally {
      load.dispose();
      if (this.load === load) this.load = undefined;
    }
  }

  dispose(): void {
    this.load?.cancel();
    this.statusBar.hideFor(this.capture);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

async function showLoadError(message: string): Promise<void> {
  const openSettings = 'Open Settings';
  const actions = /tshark was not found/.test(message) ? [openSettings] : [];
  const choice = await vscode.window.showErrorMessage(`Wirelens: ${message}`, ...actions);
  if (choice === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', 'wirelens.tsharkPath');
}

export class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider<CaptureDocument> {
  static register(context: vscode.ExtensionContext, client: WirelensClient): vscode.Disposable {
    const statusBar = new CaptureStatusBar();
    const provider = new CaptureEditorProvider(context.extensionUri, client, statusBar);
    return vscode.Disposable.from(
      statusBar,
      vscode.window.registerCustomEditorProvider(CAPTURE_VIEW_TYPE, provider, {
        webviewOptions: { enableFindWidget: true },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: WirelensClient,
    private readonly statusBar: CaptureStatusBar,
  ) {}

  openCustomDocument(uri: vscode.Uri): CaptureDocument {
    return new CaptureDocument(uri);
  }

  resolveCustomEditor(document: CaptureDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot(this.extensionUri)] };
    panel.webview.html = buildWebviewHtml(panel.webview, this.extensionUri, document.uri.path.split('/').pop() ?? 'capture');
    new CaptureEditorSession(document.uri.fsPath, panel, this.client, this.statusBar);
  }
}
