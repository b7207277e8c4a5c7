/**
 * Workbench commands that are not about one editor: Open with Wirelens and Analyze Capture (the
 * Explorer context menu and the palette), Copy as curl (code action and conversation menu),
 * Show Rule Documentation (code action and palette), Follow Selected Conversation (editor title)
 * and the walkthrough's Open the Incident Sample. Every answer comes from the server.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AnalyzeCaptureRequest, CurlRequest, RuleDocumentationRequest, RulesRequest } from '../../protocol/lspProtocol';
import { captureFrom } from './activeCapture';
import { confirmCaptureSize } from './captureSizeGuard';
import type { WirelensClient } from './client';
import { CAPTURE_VIEW_TYPE, Commands } from './constants';
import { conversationSelection } from './conversationSelection';
import { showWirelensError } from './errorNotifications';
import { isConversationTarget } from './exportCommands';

/** Virtual Markdown documents holding one rule's documentation, shown in the Markdown preview. */
const RULE_SCHEME = 'wirelens-rule';
/** VS Code's built-in Markdown extension, which owns markdown.showPreview. */
const MARKDOWN_EXTENSION = 'vscode.markdown-language-features';
/** The capture the walkthrough opens, shipped in the .vsix (.vscodeignore). */
const INCIDENT_SAMPLE = ['samples', 'incident-wrong.pcapng'];

export function registerWorkbenchCommands(context: vscode.ExtensionContext, client: WirelensClient): vscode.Disposable {
  const analyzeCapture = async (argument?: unknown) => {
    const capture = await captureFrom(argument, 'Capture to analyze');
    if (!capture || !(await confirmCaptureSize(capture))) return undefined;
    const name = path.basename(capture);
    let cancelled = false;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Wirelens: analyzing ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => (cancelled = true));
          const languageClient = await client.get();
          let reported = 0;
          const listener = client.onLoadProgress((update) => {
            if (update.capture !== capture) return;
            const percent = Math.round(update.fraction * 100);
            progress.report({ increment: percent - reported, message: `${update.packets.toLocaleString('en-US')} packets` });
            reported = percent;
          });
          try {
            return await languageClient.sendRequest(AnalyzeCaptureRequest.type, { capture }, token);
          } finally {
            listener.dispose();
          }
        },
      );
      const { findings, documents, summary } = result;
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      if (findings > 0) await vscode.commands.executeCommand('workbench.actions.view.problems');
      void vscode.window.showInformationMessage(
        findings > 0
          ? `Wirelens: ${plural(findings, 'finding')} in ${documents.length} of ${plural(summary.conversations, 'TCP conversation')} of ${name}, listed in the Problems panel.`
          : `Wirelens: no findings in ${plural(summary.conversations, 'TCP conversation')} of ${name}.`,
      );
      return result;
    } catch (error) {
      // Cancelled from the notification: the server stopped reading; nothing to report.
      if (!cancelled) await showWirelensError(error);
      return undefined;
    }
  };

  const copyAsCurl = async (target?: unknown) => {
    if (!isConversationTarget(target)) {
      void vscode.window.showInformationMessage('Wirelens: use Copy as curl on a conversation of a capture, or as a code action on an exchange of a followed stream.');
      return undefined;
    }
    try {
      const languageClient = await client.get();
      const { capture, stream, exchange } = target; // the menu's context object carries more fields
      const result = await languageClient.sendRequest(CurlRequest.type, { capture, stream, ...(exchange === undefined ? {} : { exchange }) });
      await vscode.env.clipboard.writeText(result.command);
      void vscode.window.showInformationMessage(`Wirelens: copied ${result.request} as a curl command.`);
      return result.command;
    } catch (error) {
      await showWirelensError(error);
      return undefined;
    }
  };

  const showRuleDocumentation = async (ruleId?: unknown) => {
    let id = typeof ruleId === 'string' ? ruleId : undefined;
    if (!id) {
      const rules = await (await client.get()).sendRequest(RulesRequest.type);
      const picked = await vscode.window.showQuickPick(
        rules.map((rule) => ({ label: rule.id, description: rule.title, detail: `${rule.severity} · ${rule.rfc.document} §${rule.rfc.section}` })),
        { title: 'Wirelens rule documentation', matchOnDescription: true },
      );
      id = picked?.label;
    }
    if (!id) return undefined;
    const uri = vscode.Uri.from({ scheme: RULE_SCHEME, path: `/${id}.md` });
    // A Markdown preview when the built-in Markdown extension is there (it may not be active yet), else the Markdown text.
    if (vscode.extensions.getExtension(MARKDOWN_EXTENSION)) await vscode.commands.executeCommand('markdown.showPreview', uri);
    else await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    return uri;
  };

  const ruleDocuments: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri, token) {
      const ruleId = path.posix.basename(uri.path, '.md');
      return (await client.get()).sendRequest(RuleDocumentationRequest.type, { ruleId }, token);
    },
  };

  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(RULE_SCHEME, ruleDocuments),
    vscode.commands.registerCommand(Commands.openWithWirelens, async (argument?: unknown) => {
      const capture = await captureFrom(argument, 'Capture to open');
      if (capture) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(capture), CAPTURE_VIEW_TYPE);
    }),
    vscode.commands.registerCommand(Commands.analyzeCapture, analyzeCapture),
    vscode.commands.registerCommand(Commands.copyAsCurl, copyAsCurl),
    vscode.commands.registerCommand(Commands.showRuleDocumentation, showRuleDocumentation),
    vscode.commands.registerCommand(Commands.followSelectedConversation, async () => {
      const selected = conversationSelection.current();
      if (selected) return vscode.commands.executeCommand(Commands.followHttpStream, selected);
      void vscode.window.showInformationMessage('Wirelens: select a conversation in the capture editor first.');
      return undefined;
    }),
    vscode.commands.registerCommand(Commands.openIncidentSample, () =>
      vscode.commands.executeCommand('vscode.openWith', vscode.Uri.joinPath(context.extensionUri, ...INCIDENT_SAMPLE), CAPTURE_VIEW_TYPE),
    ),
  );
}
