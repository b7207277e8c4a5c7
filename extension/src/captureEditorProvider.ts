/**
 * The capture editor: a custom editor whose webview shows the server's view of a capture. This
 * class only relays: webview messages become server requests, server answers become webview
 * messages (protocol/webviewProtocol.ts). Captures are never edited; the provider is the
 * editable kind only so that Save As works (a live capture is a temporary file until saved).
 */
import * as vscode from 'vscode';
import {
  ConversationsRequest,
  DisplayFilterRequest,
  ExchangesRequest,
  FindingLocationRequest,
  FindingsRequest,
  OpenCaptureRequest,
  RulesRequest,
} from '../../protocol/lspProtocol';
import type { CaptureSummary, LiveCaptureStatus } from '../../protocol/model';
import type { FromWebviewMessage, ToWebviewMessage } from '../../protocol/webviewProtocol';
import { isServerGone, type WirelensClient } from './client';
import { CAPTURE_VIEW_TYPE, Commands, DISPLAY_FILTER_SETTING, RULES_SETTING, SETTINGS_SECTION } from './constants';
import type { LiveCaptureController } from './liveCapture';
import { confirmCaptureSize } from './captureSizeGuard';
import { conversationSelection } from './conversationSelection';
import { showWirelensError } from './errorNotifications';
import { onOpenStreamView, rememberShownQuery, streamViewMessage } from './exportCommands';
import { CaptureStatusBar } from './statusBar';
import { buildWebviewHtml, webviewRoot } from './webviewHtml';

/** Messages kept for a page that has not booted yet; past this it reloads everything on `ready` instead. */
const OUTBOX_LIMIT = 500;

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
  /** The answer to "open this large capture anyway?" (or true when it is not large). */
  private sizeConfirmed?: Promise<boolean>;
  /** The display filter running now: a newer one cancels it (the server kills its tshark). */
  private displayFilter?: vscode.CancellationTokenSource;
  private summary?: CaptureSummary;
  /**
   * The load starts with the editor, not when the page has booted (that takes about as long as
   * indexing a large capture): what it says meanwhile waits here until the page's first `ready`.
   */
  private outbox: ToWebviewMessage[] | 'reload on ready' | undefined = [];
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
      panel.webview.onDidReceiveMessage((message: FromWebviewMessage) =>
        this.onMessage(message).catch((error: unknown) => void vscode.window.showErrorMessage(`Wirelens: ${error instanceof Error ? error.message : String(error)}`)),
      ),
      // Progress and rows belong to this editor's running load: none after it was cancelled or failed.
      client.onLoadProgress((progress) => {
        if (progress.capture === capture && this.load) this.post({ type: 'progress', packets: progress.packets, fraction: progress.fraction });
      }),
      client.onLiveCapture((status) => this.onLiveStatus(status)),
      // View Stream from the conversation menu: the capture's active editor opens its stream view.
      onOpenStreamView((target) => {
        if (target.capture === capture && this.active) this.post({ type: 'openStreamView', stream: target.stream });
      }),
      // A restarted server knows no capture: load again, so the page shows rows from the new one.
      // A live capture ended with the old server (its file was never finished): the banner says so.
      client.onDidRestart(() => {
        const live = this.live.status(this.capture);
        if (live) this.post({ type: 'live', status: live });
        else void this.startLoad();
      }),
      // Rules turned off or given another severity: counts, rows and findings are asked for again.
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`${SETTINGS_SECTION}.${RULES_SETTING}`)) void this.startLoad();
      }),
      client.onScanUpdate((update) => {
        if (update.capture === capture && this.load) this.post({ type: 'scanUpdate', conversations: update.conversations, rowsFinal: update.rowsFinal, findings: update.findings });
      }),
      panel.onDidChangeViewState(() => this.showStatus()),
      panel.onDidDispose(() => this.dispose()),
    );
    this.active = panel.active;
    if (this.active) live.setActiveCapture(capture);
    if (this.active) conversationSelection.setActive(capture);
    void this.startLoad();
  }

  /** The page is up: the first time it gets what the load said so far; after a reload (its state is gone) the load runs again. */
  private onReady(): Promise<void> | void {
    const waiting = this.outbox;
    this.outbox = undefined;
    if (!Array.isArray(waiting)) return this.startLoad();
    for (const message of waiting) this.post(message);
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
    if (this.disposed) return;
    if (!this.outbox) {
      void this.panel.webview.postMessage(message);
      return;
    }
    // Past OUTBOX_LIMIT (a live capture behind a page that never booted) nothing more is kept: the page loads afresh.
    if (this.outbox === 'reload on ready') return;
    // Only the latest progress matters; everything else (rows, findings) is kept in order.
    const last = this.outbox.length - 1;
    if (message.type === 'progress' && this.outbox[last]?.type === 'progress') this.outbox[last] = message;
    else if (this.outbox.length < OUTBOX_LIMIT) this.outbox.push(message);
    else this.outbox = 'reload on ready';
  }

  private showStatus(): void {
    if (this.disposed) return;
    this.active = this.panel.active;
    if (this.active && this.summary) this.statusBar.show(this.summary);
    else if (!this.active) this.statusBar.hideFor(this.capture);
    if (this.active) this.live.setActiveCapture(this.capture);
    else this.live.clearActiveCapture(this.capture);
    if (this.active) conversationSelection.setActive(this.capture);
    else conversationSelection.deactivate(this.capture);
  }

  private async onMessage(message: FromWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.onReady();
      case 'requestConversations': {
        // No load runs and none finished (it was cancelled or failed): asking would start a read nobody can cancel.
        if (!this.load && !this.summary) return;
        rememberShownQuery(this.capture, message.query);
        const client = await this.client.get();
        // A page asked for while the capture loads fails with the load: the load says why, once.
        const result = await client
          .sendRequest(ConversationsRequest.type, {
            capture: this.capture,
            start: message.start,
            count: message.count,
            ...(message.query ? { query: message.query } : {}),
          })
          .catch(() => undefined);
        if (result) this.post({ type: 'conversations', requestId: message.requestId, result });
        return;
      }
      case 'applyDisplayFilter':
        return this.applyDisplayFilter(message.requestId, message.expression);
      case 'requestExchanges': {
        const client = await this.client.get();
        const exchanges = await client.sendRequest(ExchangesRequest.type, { capture: this.capture, stream: message.stream });
        return this.post({ type: 'exchanges', requestId: message.requestId, stream: message.stream, exchanges });
      }
      case 'revealFinding': {
        const client = await this.client.get();
        const location = await client.sendRequest(FindingLocationRequest.type, { capture: this.capture, finding: message.finding });
        const { start, end } = location.range;
        const selection = new vscode.Range(start.line, start.character, end.line, end.character);
        const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(location.uri));
        const editor = await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Beside, selection });
        editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        return;
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
      case 'selection':
        conversationSelection.set(this.capture, message.stream);
        return;
    }
  }

  private async applyDisplayFilter(requestId: number, expression: string): Promise<void> {
    this.displayFilter?.cancel();
    const run = new vscode.CancellationTokenSource();
    this.displayFilter = run;
    try {
      if (!expression.trim()) return this.post({ type: 'displayFilterResult', requestId, expression });
      const client = await this.client.get();
      const result = await client.sendRequest(DisplayFilterRequest.type, { capture: this.capture, expression }, run.token);
      this.post({ type: 'displayFilterResult', requestId, expression, ...result });
    } catch (error) {
      // A newer filter replaced this one: its own answer follows.
      if (!run.token.isCancellationRequested) this.post({ type: 'displayFilterResult', requestId, expression, error: error instanceof Error ? error.message : String(error) });
    } finally {
      run.dispose();
      if (this.displayFilter === run) this.displayFilter = undefined;
    }
  }

  /** Loads when the editor opens and again on a reloaded page's `ready` (it lost its state); the server caches. */
  private async startLoad(): Promise<void> {
    // Asked once per editor (wirelens.maxFileSizeMB); a live capture starts empty and is never asked about.
    this.sizeConfirmed ??= this.live.status(this.capture) ? Promise.resolve(true) : confirmCaptureSize(this.capture);
    if (!(await this.sizeConfirmed)) {
      return this.post({ type: 'error', message: `${this.capture.split(/[\\/]/).pop()} was not opened: it is larger than wirelens.maxFileSizeMB. Close and reopen it to be asked again.` });
    }
    this.load?.cancel();
    const load = new vscode.CancellationTokenSource();
    this.load = load;
    const displayFilter = vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.Uri.file(this.capture)).get<string>(DISPLAY_FILTER_SETTING, '');
    this.post({ type: 'loading', file: this.capture, displayFilter });
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
      // A newer load (the webview reloaded) replaced this one: its own messages follow.
      if (this.load !== load) return;
      const gone = isServerGone(error);
      const message = load.token.isCancellationRequested
        ? 'Loading was cancelled. Reopen the file to try again.'
        : gone
          ? 'The Wirelens server stopped; the capture loads again once it has restarted.'
          : error instanceof Error
          ? error.message
          : String(error);
      this.post({ type: 'error', message });
      if (!load.token.isCancellationRequested && !gone) void showWirelensError(error);
    } finally {
      load.dispose();
      if (this.load === load) this.load = undefined;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.load?.cancel();
    this.displayFilter?.cancel();
    this.statusBar.hideFor(this.capture);
    this.live.clearActiveCapture(this.capture);
    conversationSelection.forget(this.capture);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
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
