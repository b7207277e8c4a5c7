/** Activation wires the pieces; the language client starts only when a capture or stream needs it. */
import * as vscode from 'vscode';
import { CaptureEditorProvider } from './captureEditorProvider';
import { registerExportCommands } from './exportCommands';
import { WirelensClient } from './client';
import { LiveCaptureController } from './liveCapture';
import { registerStreamDocuments } from './streamDocuments';
import { registerTlsKeyCommands } from './tlsKeys';
import { registerWorkbenchCommands } from './workbenchCommands';

let client: WirelensClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  client = new WirelensClient(context);
  const live = new LiveCaptureController(client);
  context.subscriptions.push(live, CaptureEditorProvider.register(context, client, live), registerExportCommands(client), registerStreamDocuments(client), registerTlsKeyCommands(context, client), registerWorkbenchCommands(context, client));
}

export function deactivate(): Promise<void> | undefined {
  return client?.dispose();
}
