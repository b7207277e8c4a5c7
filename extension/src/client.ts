/**
 * The language client: starts the Wirelens server (dist/server.js) over Node IPC on first
 * need, as vscode-eslint does, and stops it on deactivate. No analysis happens here.
 */
import * as vscode from 'vscode';
import { ErrorCodes, LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { LiveCaptureNotification, LoadProgressNotification, ScanUpdateNotification, type LoadProgressParams, type ScanUpdateParams } from '../../protocol/lspProtocol';
import type { LiveCaptureStatus } from '../../protocol/model';
import { STREAM_SCHEME } from '../../protocol/streamUri';
import { SETTINGS_SECTION } from './constants';
import { SERVER_PROCESS_ENV, SERVER_PROCESS_EXEC_ARGV } from './serverProcess';

/**
 * True when a request failed because the server went away under it (it died; the client
 * restarts it and onDidRestart fires): nothing the user must act on.
 */
export function isServerGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === ErrorCodes.PendingResponseRejected || code === ErrorCodes.ConnectionInactive;
}

export class WirelensClient implements vscode.Disposable {
  private starting?: Promise<LanguageClient>;
  private readonly progress = new vscode.EventEmitter<LoadProgressParams>();
  /** Progress of capture loads, for whichever editor shows that capture. */
  readonly onLoadProgress = this.progress.event;
  private readonly live = new vscode.EventEmitter<LiveCaptureStatus>();
  /** Every update of every live capture (the server sends a few per second at most). */
  readonly onLiveCapture = this.live.event;
  private readonly scanUpdates = new vscode.EventEmitter<ScanUpdateParams>();
  /** Rows known and findings found while a capture is scanned. */
  readonly onScanUpdate = this.scanUpdates.event;

  private readonly restarted = new vscode.EventEmitter<void>();
  /** The server runs again after it died (the client restarts it): it has forgotten every capture, so views ask again. */
  readonly onDidRestart = this.restarted.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** The running client, started on the first call. */
  get(): Promise<LanguageClient> {
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<LanguageClient> {
    const module = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
    const env = SERVER_PROCESS_ENV;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { env, execArgv: [...SERVER_PROCESS_EXEC_ARGV] } },
      debug: { module, transport: TransportKind.ipc, options: { env, execArgv: [...SERVER_PROCESS_EXEC_ARGV, '--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: STREAM_SCHEME }],
      synchronize: { configurationSection: SETTINGS_SECTION },
    };
    const client = new LanguageClient('wirelens', 'Wirelens', serverOptions, clientOptions);
    client.onNotification(LoadProgressNotification.type, (params) => this.progress.fire(params));
    client.onNotification(LiveCaptureNotification.type, (status) => this.live.fire(status));
    client.onNotification(ScanUpdateNotification.type, (update) => this.scanUpdates.fire(update));
    let runs = 0;
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Running && ++runs > 1) this.restarted.fire();
    });
    await client.start();
    return client;
  }

  async dispose(): Promise<void> {
    this.progress.dispose();
    this.live.dispose();
    this.restarted.dispose();
    this.scanUpdates.dispose();
    const client = await this.starting?.catch(() => undefined);
    await client?.stop();
  }
}
