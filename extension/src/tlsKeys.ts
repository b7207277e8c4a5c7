/**
 * Wirelens: Attach TLS Key Log… and Wirelens: Embed TLS Keys into Capture…. The choice of key
 * log is remembered per capture in the workspace state and handed to the server, which does the
 * decrypting (tshark) and the embedding (editcap); nothing is analysed here.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AttachTlsKeyLogRequest, EmbedTlsKeysRequest } from '../../protocol/lspProtocol';
import type { WirelensClient } from './client';
import { captureFrom, pickFile } from './activeCapture';
import { CAPTURE_VIEW_TYPE, Commands } from './constants';

const STATE_KEY = 'wirelens.tlsKeyLogs';

/** Fired with a capture path once its key log changed and the server analysed it again. */
const attached = new vscode.EventEmitter<string>();
export const onTlsKeyLogAttached = attached.event;

/** What the commands accept from tests and other commands: the capture, and optionally the files. */
interface KeyLogArgs {
  readonly capture?: string;
  readonly keyLog?: string;
  readonly output?: string;
}

export function registerTlsKeyCommands(context: vscode.ExtensionContext, client: WirelensClient): vscode.Disposable {
  const saved = () => context.workspaceState.get<Record<string, string>>(STATE_KEY, {});

  // The server forgets attachments when it restarts: hand it the saved ones once it runs, and
  // again each time it runs anew (first, before the editors' own requests: listeners run in order).
  const sendSaved = () =>
    void client.get().then(async (languageClient) => {
      for (const [capture, keyLog] of Object.entries(saved())) {
        await languageClient.sendRequest(AttachTlsKeyLogRequest.type, { capture, keyLog, reanalyze: false });
      }
    }, () => undefined);
  sendSaved();
  const restarted = client.onDidRestart(sendSaved);

  const attach = async (args?: KeyLogArgs) => {
    const capture = await captureFrom(args, 'Capture to decrypt');
    if (!capture) return undefined;
    const keyLog = args?.keyLog ?? (await pickFile(`Key log (SSLKEYLOGFILE) for ${path.basename(capture)}`));
    if (!keyLog) return undefined;
    await context.workspaceState.update(STATE_KEY, { ...saved(), [capture]: keyLog });
    const languageClient = await client.get();
    try {
      const summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Wirelens: decrypting ${path.basename(capture)}…` },
        () => languageClient.sendRequest(AttachTlsKeyLogRequest.type, { capture, keyLog }),
      );
      attached.fire(capture);
      if (summary) void vscode.window.showInformationMessage(`Wirelens: ${path.basename(capture)} analysed with ${path.basename(keyLog)}: ${summary.findings} finding${summary.findings === 1 ? '' : 's'}.`);
      return summary;
    } catch (error) {
      void vscode.window.showErrorMessage(`Wirelens: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  const embed = async (args?: KeyLogArgs) => {
    const capture = await captureFrom(args, 'Capture to decrypt');
    if (!capture) return undefined;
    const keyLog = args?.keyLog ?? saved()[capture] ?? (await pickFile(`Key log (SSLKEYLOGFILE) to embed into ${path.basename(capture)}`));
    if (!keyLog) return undefined;
    const suggested = vscode.Uri.file(capture.replace(/(\.pcapng|\.pcap|\.cap)?$/, '-with-keys.pcapng'));
    const output = args?.output ?? (await vscode.window.showSaveDialog({ title: 'Capture with embedded TLS keys', defaultUri: suggested, filters: { pcapng: ['pcapng'] } }))?.fsPath;
    if (!output) return undefined;
    const languageClient = await client.get();
    try {
      const result = await languageClient.sendRequest(EmbedTlsKeysRequest.type, { capture, keyLog, output });
      if (!args?.output) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(result.output), CAPTURE_VIEW_TYPE);
      return result;
    } catch (error) {
      void vscode.window.showErrorMessage(`Wirelens: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  return vscode.Disposable.from(
    restarted,
    attached,
    vscode.commands.registerCommand(Commands.attachTlsKeyLog, attach),
    vscode.commands.registerCommand(Commands.embedTlsKeys, embed),
  );
}
