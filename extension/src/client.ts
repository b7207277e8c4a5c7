/**
 * The language client: starts the Wirelens server (dist/server.js) over Node IPC on first
 * need, as vscode-eslint does, and stops it on deactivate. No analysis happens here.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { LiveCaptureNotification, LoadProgressNotification, type LoadProgressParams } from '../../protocol/lspProtocol';
import type { LiveCaptureStatus } from '../../protocol/model';
import { STREAM_SCHEME } from '../../protocol/streamUri';
import { SETTINGS_SECTION } from './constants';

export class WirelensClient implements vscode.Disposable {
  private starting?: Promise<LanguageClient>;
  private readonly progress = new vscode.EventEmitter<LoadProgressParams>();
  /** Progress of capture loads, for whichever editor shows that capture. */
  readonly onLoadProgress = this.progress.event;
  private readonly live = new vscode.EventEmitter<LiveCaptureStatus>();
  /** Every update of every live capture (the server sends a few per second at most). */
  readonly onLiveCapture = this.live.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** The running client, started on the first call. */
  get(): Promise<LanguageClient> {
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<LanguageClient> {
    const module = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: STREAM_SCHEME }],
      synchronize: { configurationSection: SETTINGS_SECTION },
    };
    const client = new LanguageClient('wirelens', 'Wirelens', serverOptions, clientOptions);
    client.onNotification(LoadProgressNotification.type, (params) => this.progress.fire(params));
    client.onNotification(LiveCaptureNotification.type, (status) => this.live.fire(status));
    await client.start();
    return client;
  }

  async dispose(): Promise<void> {
    this.progress.dispose();
    this.live.dispose();
    const client = await this.starting?.catch(() => undefined);
    await client?.stop();
  }
}
