/**
 * Followed streams as read-only text documents (`wirelens-stream:`). The server renders the
 * text and publishes the diagnostics; this file only asks for it and opens the editor.
 */
import * as vscode from 'vscode';
import { StreamTextRequest } from '../../protocol/lspProtocol';
import type { FollowMode } from '../../protocol/model';
import { formatStreamUri, parseStreamUri, STREAM_SCHEME } from '../../protocol/streamUri';
import type { WirelensClient } from './client';
import { Commands } from './constants';
import { onTlsKeyLogAttached } from './tlsKeys';

/** What the follow commands accept: the context-menu object of a row, or the same two fields. */
interface FollowTarget {
  readonly capture: string;
  readonly stream: number;
}

function isFollowTarget(value: unknown): value is FollowTarget {
  const target = value as FollowTarget | undefined;
  return typeof target?.capture === 'string' && typeof target.stream === 'number';
}

async function follow(target: unknown, mode: FollowMode): Promise<vscode.TextEditor | undefined> {
  if (!isFollowTarget(target)) {
    void vscode.window.showInformationMessage('Wirelens: right-click a conversation in a capture to follow its stream.');
    return undefined;
  }
  const uri = vscode.Uri.parse(formatStreamUri({ capture: target.capture, stream: target.stream, mode }));
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Beside });
}

/**
 * Stream documents as files of a read-only file system rather than a content provider: VS Code
 * shows breadcrumbs (file and symbol path) only for schemes with a file system provider. A
 * change bumps the file's mtime so that open editors read it again.
 */
class StreamFileSystem implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private readonly versions = new Map<string, { mtime: number; size: number }>();

  constructor(private readonly client: WirelensClient) {}

  changed(uri: vscode.Uri): void {
    const key = uri.toString();
    this.versions.set(key, { mtime: (this.versions.get(key)?.mtime ?? 0) + 1, size: this.versions.get(key)?.size ?? 0 });
    this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    if (!parseStreamUri(uri.toString())) throw vscode.FileSystemError.FileNotFound(uri);
    const version = this.versions.get(uri.toString()) ?? { mtime: 0, size: 0 };
    return { type: vscode.FileType.File, ctime: 0, mtime: version.mtime, size: version.size, permissions: vscode.FilePermission.Readonly };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    if (!parseStreamUri(uri.toString())) throw vscode.FileSystemError.FileNotFound(uri);
    const languageClient = await this.client.get();
    let text: string;
    try {
      text = await languageClient.sendRequest(StreamTextRequest.type, { uri: uri.toString() });
    } catch (error) {
      throw vscode.FileSystemError.Unavailable(error instanceof Error ? error.message : String(error));
    }
    const bytes = new TextEncoder().encode(text);
    this.versions.set(uri.toString(), { mtime: this.versions.get(uri.toString())?.mtime ?? 0, size: bytes.length });
    return bytes;
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined); // changes are pushed by changed()
  }

  readDirectory(): never {
    throw vscode.FileSystemError.NoPermissions('Wirelens stream documents are not a folder.');
  }
  createDirectory(): never {
    throw vscode.FileSystemError.NoPermissions('Wirelens stream documents are read-only.');
  }
  writeFile(): never {
    throw vscode.FileSystemError.NoPermissions('Wirelens stream documents are read-only.');
  }
  delete(): never {
    throw vscode.FileSystemError.NoPermissions('Wirelens stream documents are read-only.');
  }
  rename(): never {
    throw vscode.FileSystemError.NoPermissions('Wirelens stream documents are read-only.');
  }

  dispose(): void {
    this.changes.dispose();
  }
}

export function registerStreamDocuments(client: WirelensClient): vscode.Disposable {
  const files = new StreamFileSystem(client);
  // A live capture's stream grows: open documents of the streams that changed are read again.
  const liveUpdates = client.onLiveCapture((status) => {
    if (status.changed.length === 0) return;
    const streams = new Set(status.changed.map((row) => row.stream));
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme !== STREAM_SCHEME) continue;
      const ref = parseStreamUri(document.uri.toString());
      if (ref?.capture === status.capture && streams.has(ref.stream)) files.changed(document.uri);
    }
  });
  // A key log was attached: every open document of that capture is read again (decrypted now).
  const decrypted = onTlsKeyLogAttached((capture) => {
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme === STREAM_SCHEME && parseStreamUri(document.uri.toString())?.capture === capture) files.changed(document.uri);
    }
  });
  return vscode.Disposable.from(
    files,
    liveUpdates,
    decrypted,
    vscode.workspace.registerFileSystemProvider(STREAM_SCHEME, files, { isCaseSensitive: true, isReadonly: true }),
    vscode.commands.registerCommand(Commands.followHttpStream, (target: unknown) => follow(target, 'http')),
    vscode.commands.registerCommand(Commands.followTcpStream, (target: unknown) => follow(target, 'tcp')),
  );
}
