/**
 * Code actions on stream documents: "Show rule documentation" for each Wirelens diagnostic in
 * the range, and "Copy as curl" for the HTTP/1.x exchange under the cursor. Both are commands
 * the extension runs (ServerCommands); the server only says which rule or exchange.
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver';
import { ServerCommands, type CurlParams } from '../../../protocol/lspProtocol';
import type { StreamRef } from '../../../protocol/streamUri';
import { exchangeAtLine, type OutlineNode } from '../document/streamOutline';
import { ruleById } from '../rules';

export function codeActions(ref: StreamRef, outline: readonly OutlineNode[], range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const shown = new Set<string>();
  for (const diagnostic of diagnostics) {
    const rule = diagnostic.source === 'wirelens' && typeof diagnostic.code === 'string' ? ruleById(diagnostic.code) : undefined;
    if (!rule || shown.has(rule.id)) continue;
    shown.add(rule.id);
    const title = `Show rule documentation: ${rule.title} (${rule.id})`;
    actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], command: { title, command: ServerCommands.showRuleDocumentation, arguments: [rule.id] } });
  }
  const exchange = exchangeAtLine(outline, range.start.line);
  if (exchange?.exchange !== undefined && exchange.children.some((child) => child.kind === 'request')) {
    const target: CurlParams = { capture: ref.capture, stream: ref.stream, exchange: exchange.exchange };
    const title = `Copy as curl: ${exchange.name}`;
    actions.push({ title, command: { title, command: ServerCommands.copyAsCurl, arguments: [target] } });
  }
  return actions;
}
