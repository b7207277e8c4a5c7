/** Activation wires the pieces; the language client starts only when a capture or stream needs it. */
import * as vscode from 'vscode';
import { CaptureEditorProvider } from './captureEditorProvider';
import { WirelensClient } from './client';
import { registerStreamDocuments } from './streamDocuments';

let client: WirelensClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  client = new WirelensClient(context);
  context.subscriptions.push(CaptureEditorProvider.register(context, client), registerStreamDocuments(client));
}

export function deactivate(): Promise<void> | undefined {
  return client?.dispose();
}
