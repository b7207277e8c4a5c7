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

export function registerStreamDocuments(client: WirelensClient): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  // A live capture's stream grows: open documents of the streams that changed are read again.
  const liveUpdates = client.onLiveCapture((status) => {
    if (status.changed.length === 0) return;
    const streams = new Set(status.changed.map((row) => row.stream));
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme !== STREAM_SCHEME) continue;
      const ref = parseStreamUri(document.uri.toString());
      if (ref?.capture === status.capture && streams.has(ref.stream)) changed.fire(document.uri);
    }
  });
  // A key log was attached: every open document of that capture is read again (decrypted now).
  const decrypted = onTlsKeyLogAttached((capture) => {
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme === STREAM_SCHEME && parseStreamUri(document.uri.toString())?.capture === capture) changed.fire(document.uri);
    }
  });
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri, token) {
      const languageClient = await client.get();
      return languageClient.sendRequest(StreamTextRequest.type, { uri: uri.toString() }, token);
    },
  };
  return vscode.Disposable.from(
    changed,
    liveUpdates,
    decrypted,
    vscode.workspace.registerTextDocumentContentProvider(STREAM_SCHEME, provider),
    vscode.commands.registerCommand(Commands.followHttpStream, (target: unknown) => follow(target, 'http')),
    vscode.commands.registerCommand(Commands.followTcpStream, (target: unknown) => follow(target, 'tcp')),
  );
}
