/**
 * The conversation menu's view and export commands: View Stream, Copy Exchange as Text, Save as
 * HAR…, Export HTTP Objects…, Export Conversation (or the shown conversations) as pcapng…, Open
 * in Wireshark. They ask the user where, then ask the server to do it (protocol/lspProtocol.ts);
 * nothing is decoded, filtered or written here. Each accepts the row's menu context and, for
 * tests and other callers, explicit targets (`output`, `folder`) instead of the dialogs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ExchangeTextRequest,
  ExportHarRequest,
  ExportObjectsRequest,
  ExportPcapngRequest,
  ExportProgressNotification,
  OpenInWiresharkRequest,
  StreamViewRequest,
  WiresharkAvailableRequest,
} from '../../protocol/lspProtocol';
import type { ConversationQuery } from '../../protocol/model';
import type { StreamViewMessage } from '../../protocol/webviewProtocol';
import type { WirelensClient } from './client';
import { CAPTURE_VIEW_TYPE, ExportCommands, WIRESHARK_CONTEXT } from './constants';
import { conversationSelection } from './conversationSelection';

/** A conversation row's menu context (or the same fields from a caller), with optional explicit targets. */
interface ConversationTarget {
  readonly capture: string;
  readonly stream: number;
  readonly exchange?: number;
  /** The file to write instead of asking (HAR, pcapng). */
  readonly output?: string;
  /** The folder to export objects into instead of asking. */
  readonly folder?: string;
}

/** A conversation menu's (or command's) argument: a capture, a stream, perhaps one exchange. */
export function isConversationTarget(value: unknown): value is ConversationTarget {
  const target = value as ConversationTarget | undefined;
  return typeof target?.capture === 'string' && Number.isInteger(target.stream) && (target.exchange === undefined || Number.isInteger(target.exchange));
}

const openStreamView = new vscode.EventEmitter<{ readonly capture: string; readonly stream: number }>();
/** View Stream was picked: the capture's active editor opens its stream view. */
export const onOpenStreamView = openStreamView.event;

/** The conversation table's current sort and filters, per capture (what "shown" means for the export). */
const shownQueries = new Map<string, ConversationQuery | undefined>();
export function rememberShownQuery(capture: string, query: ConversationQuery | undefined): void {
  shownQueries.set(capture, query);
}

/** The capture editor's answer to requestStreamView: the server's view model, or the sentence why not. */
export async function streamViewMessage(client: WirelensClient, capture: string, requestId: number, stream: number): Promise<StreamViewMessage> {
  try {
    const view = await (await client.get()).sendRequest(StreamViewRequest.type, { capture, stream });
    return { type: 'streamView', requestId, view };
  } catch (error) {
    return { type: 'streamView', requestId, error: error instanceof Error ? error.message : String(error) };
  }
}

/** `capture-stream-3` or `capture-stream-3-exchange-2`, beside the capture. */
function suggestedName(target: ConversationTarget, extension: string): vscode.Uri {
  const base = path.basename(target.capture).replace(/\.(pcapng|pcap|cap)$/i, '');
  const exchange = target.exchange === undefined ? '' : `-exchange-${target.exchange + 1}`;
  return vscode.Uri.file(path.join(path.dirname(target.capture), `${base}-stream-${target.stream}${exchange}${extension}`));
}

function what(target: ConversationTarget): string {
  return target.exchange === undefined ? `stream ${target.stream}` : `exchange ${target.exchange + 1} of stream ${target.stream}`;
}

function rightClickHint(): undefined {
  void vscode.window.showInformationMessage('Wirelens: right-click a conversation in a capture to use this command.');
  return undefined;
}

async function report<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    void vscode.window.showErrorMessage(`Wirelens: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The capture whose editor is active (Export Shown Conversations from the palette). */
function activeCapture(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === CAPTURE_VIEW_TYPE ? input.uri.fsPath : undefined;
}

export function registerExportCommands(client: WirelensClient): vscode.Disposable {
  // Open in Wireshark shows only when there is one to open. It stays in untrusted workspaces: the
  // program comes from PATH, never from workspace settings, and it only opens a local file.
  void client
    .get()
    .then((languageClient) => languageClient.sendRequest(WiresharkAvailableRequest.type))
    .then((available) => vscode.commands.executeCommand('setContext', WIRESHARK_CONTEXT, available), () => undefined);

  const server = () => client.get();

  // From the row's menu, or (editor-title button, palette) the row selected in the active editor.
  const viewStream = (target: unknown) => {
    const chosen = isConversationTarget(target) ? target : conversationSelection.current();
    if (!chosen) return rightClickHint();
    openStreamView.fire({ capture: chosen.capture, stream: chosen.stream });
    return undefined;
  };

  const copyAsText = async (target: unknown) => {
    if (!isConversationTarget(target)) return rightClickHint();
    return report(async () => {
      const text = await (await server()).sendRequest(ExchangeTextRequest.type, { capture: target.capture, stream: target.stream, exchange: target.exchange });
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage(`Wirelens: copied ${what(target)} as text`, 4000);
      return text;
    });
  };

  const saveHar = async (target: unknown) => {
    if (!isConversationTarget(target)) return rightClickHint();
    const output = target.output ?? (await vscode.window.showSaveDialog({ title: `Save ${what(target)} as HAR`, defaultUri: suggestedName(target, '.har'), filters: { HAR: ['har'] } }))?.fsPath;
    if (!output) return undefined;
    return report(async () => {
      const result = await (await server()).sendRequest(ExportHarRequest.type, { capture: target.capture, stream: target.stream, exchange: target.exchange, output });
      if (!target.output) void vscode.window.showInformationMessage(`Wirelens: ${result.entries} HAR entr${result.entries === 1 ? 'y' : 'ies'} saved to ${path.basename(output)}.`);
      return result;
    });
  };

  const exportObjects = async (target: unknown) => {
    if (!isConversationTarget(target)) return rightClickHint();
    const folder =
      target.folder ??
      (await vscode.window.showOpenDialog({ title: `Export the HTTP objects of ${what(target)}`, canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Export Here', defaultUri: vscode.Uri.file(path.dirname(target.capture)) }))?.[0]?.fsPath;
    if (!folder) return undefined;
    return report(async () => {
      const written = await (await server()).sendRequest(ExportObjectsRequest.type, { capture: target.capture, stream: target.stream, exchange: target.exchange, folder });
      if (!target.folder) void vscode.window.showInformationMessage(written.length ? `Wirelens: ${written.length} object${written.length === 1 ? '' : 's'} written to ${folder}.` : `Wirelens: ${what(target)} has no HTTP bodies.`);
      return written;
    });
  };

  /** Runs the pcapng export with a cancellable progress notification fed by the server. */
  const exportPcapng = async (capture: string, selection: { streams?: number[]; query?: ConversationQuery }, output: string, label: string) =>
    report(async () => {
      const languageClient = await server();
      return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Wirelens: exporting ${label}`, cancellable: true },
        async (progress, token) => {
          let reported = 0;
          const listener = languageClient.onNotification(ExportProgressNotification.type, (update) => {
            if (update.output !== output) return;
            progress.report({ message: `${update.packets} packets`, increment: Math.max(0, update.fraction * 100 - reported) });
            reported = Math.max(reported, update.fraction * 100);
          });
          try {
            return await languageClient.sendRequest(ExportPcapngRequest.type, { capture, ...selection, output }, token);
          } finally {
            listener.dispose();
          }
        },
      );
    });

  const exportConversation = async (target: unknown) => {
    if (!isConversationTarget(target)) return rightClickHint();
    const output = target.output ?? (await vscode.window.showSaveDialog({ title: `Export stream ${target.stream} as pcapng`, defaultUri: suggestedName({ ...target, exchange: undefined }, '.pcapng'), filters: { pcapng: ['pcapng'] } }))?.fsPath;
    if (!output) return undefined;
    return exportPcapng(target.capture, { streams: [target.stream] }, output, `stream ${target.stream}`);
  };

  const exportShown = async (args?: { capture?: string; output?: string }) => {
    const capture = args?.capture ?? activeCapture();
    if (!capture) return rightClickHint();
    const base = path.basename(capture).replace(/\.(pcapng|pcap|cap)$/i, '');
    const output = args?.output ?? (await vscode.window.showSaveDialog({ title: 'Export the conversations shown as pcapng', defaultUri: vscode.Uri.file(path.join(path.dirname(capture), `${base}-shown.pcapng`)), filters: { pcapng: ['pcapng'] } }))?.fsPath;
    if (!output) return undefined;
    return exportPcapng(capture, { query: shownQueries.get(capture) }, output, 'the conversations shown');
  };

  const openInWireshark = async (target: unknown) => {
    if (!isConversationTarget(target)) return rightClickHint();
    return report(async () => (await server()).sendRequest(OpenInWiresharkRequest.type, { capture: target.capture, stream: target.stream }));
  };

  return vscode.Disposable.from(
    openStreamView,
    vscode.commands.registerCommand(ExportCommands.viewStream, viewStream),
    vscode.commands.registerCommand(ExportCommands.copyExchangeAsText, copyAsText),
    vscode.commands.registerCommand(ExportCommands.saveAsHar, saveHar),
    vscode.commands.registerCommand(ExportCommands.exportHttpObjects, exportObjects),
    vscode.commands.registerCommand(ExportCommands.exportConversationPcapng, exportConversation),
    vscode.commands.registerCommand(ExportCommands.exportShownPcapng, exportShown),
    vscode.commands.registerCommand(ExportCommands.openInWireshark, openInWireshark),
  );
}
