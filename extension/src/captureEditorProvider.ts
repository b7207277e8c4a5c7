/**
 * The capture editor: a custom editor whose webview shows the server's view of a capture. This
 * class only relays: webview messages become server requests, server answers become webview
 * messages (protocol/webviewProtocol.ts). Captures are never edited; the provider is the
 * editable kind only so that Save As works (a live capture is a temporary file until saved).
 */
import * as vscode from 'vscode';
import { ConversationsRequest, FindingsRequest, OpenCaptureRequest, RulesRequest } from '../../protocol/lspProtocol';
import type { CaptureSummary, LiveCaptureStatus } from '../../protocol/model';
import type { FromWebviewMessage, ToWebviewMessage } from '../../protocol/webviewProtocol';
import type { WirelensClient } from './client';
import { CAPTURE_VIEW_TYPE, Commands } from './constants';
import type { LiveCaptureController } from './liveCapture';
import { onOpenStreamView, streamViewMessage } from './exportCommands';
import { CaptureStatusBar } from './statusBar';
import { buildWebviewHtml, webviewRoot } from './webviewHtml';

class CaptureDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    private readonly live: LiveCaptureController,
  ) {}

  /** Its last editor closed: a live capture stops and its unsaved temporary file goes. */
  dispose(): void {
    void this.live.release(this.uri.fsPath);
  }
}

/** One open editor: its panel, its load, its cancellation. */
class CaptureEditorSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private load?: vscode.CancellationTokenSource;
  private summary?: CaptureSummary;
  /** The panel's last known state: a disposed panel throws on every property. */
  private active = false;
  private disposed = false;

  constructor(
    private readonly capture: string,
    private readonly panel: vscode.WebviewPanel,
    private readonly client: WirelensClient,
    private readonly statusBar: CaptureStatusBar,
    private readonly live: LiveCaptureController,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: FromWebviewMessage) => this.onMessage(message)),
      client.onLoadProgress((progress) => {
        if (progress.capture === capture) this.post({ type: 'progress', packets: progress.packets, fraction: progress.fraction });
      }),
      client.onLiveCapture((status) => this.onLiveStatus(status)),
      // View Stream from the conversation menu: the capture's active editor opens its stream view.
      onOpenStreamView((target) => {
        if (target.capture === capture && this.active) this.post({ type: 'openStreamView', stream: target.stream });
      }),
      panel.onDidChangeViewState(() => this.showStatus()),
      panel.onDidDispose(() => this.dispose()),
    );
    this.active = panel.active;
    if (this.active) live.setActiveCapture(capture);
  }

  /** Live updates go to the page as they come; when the capture ends, the saved file is loaded as any capture. */
  private onLiveStatus(status: LiveCaptureStatus): void {
    if (status.capture !== this.capture) return;
    this.post({ type: 'live', status });
    if (this.summary && status.state === 'capturing') {
      this.summary = { ...this.summary, packets: status.packets, conversations: status.conversations, findings: status.findings, sizeBytes: status.bytes };
      this.showStatus();
    }
    if (status.state === 'stopped' || status.state === 'failed') void this.startLoad();
  }

  private post(message: ToWebviewMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private showStatus(): void {
    if (this.disposed) return;
    this.active = this.panel.active;
    if (this.active && this.summary) this.statusBar.show(this.summary);
    else if (!this.active) this.statusBar.hideFor(this.capture);
    if (this.active) this.live.setActiveCapture(this.capture);
    else this.live.clearActiveCapture(this.capture);
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
      case 'requestStreamView':
        return this.post(await streamViewMessage(this.client, this.capture, message.requestId, message.stream));
      case 'follow':
        await vscode.commands.executeCommand(
          message.mode === 'http' ? Commands.followHttpStream : Commands.followTcpStream,
          { capture: this.capture, stream: message.stream },
        );
        return;
      case 'cancelLoad':
        this.load?.cancel();
        return;
      case 'stopCapture':
        await vscode.commands.executeCommand(Commands.stopLiveCapture, { capture: this.capture });
        return;
      case 'saveCaptureAs':
        await vscode.commands.executeCommand(Commands.saveCaptureAs, { capture: this.capture });
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
      const [findings, rules] = await Promise.all([
        client.sendRequest(FindingsRequest.type, { capture: this.capture }, load.token),
        client.sendRequest(RulesRequest.type),
      ]);
      this.post({ type: 'findings', findings, rules });
      const live = this.live.status(this.capture);
      if (live) this.post({ type: 'live', status: { ...live, newFindings: [], changed: [] } });
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
    if (this.disposed) return;
    this.disposed = true;
    this.load?.cancel();
    this.statusBar.hideFor(this.capture);
    this.live.clearActiveCapture(this.capture);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

async function showLoadError(message: string): Promise<void> {
  const openSettings = 'Open Settings';
  const actions = /tshark was not found/.test(message) ? [openSettings] : [];
  const choice = await vscode.window.showErrorMessage(`Wirelens: ${message}`, ...actions);
  if (choice === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', 'wirelens.tsharkPath');
}

export class CaptureEditorProvider implements vscode.CustomEditorProvider<CaptureDocument> {
  static register(context: vscode.ExtensionContext, client: WirelensClient, live: LiveCaptureController): vscode.Disposable {
    const statusBar = new CaptureStatusBar();
    const provider = new CaptureEditorProvider(context.extensionUri, client, statusBar, live);
    return vscode.Disposable.from(
      statusBar,
      provider.changes,
      vscode.window.registerCustomEditorProvider(CAPTURE_VIEW_TYPE, provider, {
        webviewOptions: { enableFindWidget: true },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  /** Never fires: captures are not edited, so they are never dirty. */
  private readonly changes = new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<CaptureDocument>>();
  readonly onDidChangeCustomDocument = this.changes.event;

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: WirelensClient,
    private readonly statusBar: CaptureStatusBar,
    private readonly live: LiveCaptureController,
  ) {}

  openCustomDocument(uri: vscode.Uri): CaptureDocument {
    return new CaptureDocument(uri, this.live);
  }

  /** File > Save As: a copy of the capture file (a live capture must be stopped first). */
  saveCustomDocumentAs(document: CaptureDocument, destination: vscode.Uri): Promise<void> {
    return this.live.copy(document.uri.fsPath, destination);
  }

  // Nothing to save, revert or back up: the document never changes.
  async saveCustomDocument(): Promise<void> {}
  async revertCustomDocument(): Promise<void> {}
  async backupCustomDocument(_document: CaptureDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    return { id: context.destination.toString(), delete: () => undefined };
  }

  resolveCustomEditor(document: CaptureDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot(this.extensionUri)] };
    panel.webview.html = buildWebviewHtml(panel.webview, this.extensionUri, document.uri.path.split('/').pop() ?? 'capture');
    new CaptureEditorSession(document.uri.fsPath, panel, this.client, this.statusBar, this.live);
  }
}
