/**
 * The `wirelens.rules` setting (rules/ruleSettings.ts) where findings leave the server in LSP
 * shapes: the conversation table's counts and diagnostics made before the setting was read.
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { ConversationsResult } from '../../../protocol/lspProtocol';
import type { Finding } from '../../../protocol/model';
import { applyRuleOverrides, findingCountsByStream, type RuleOverrides } from '../rules/ruleSettings';
import { SEVERITY } from './diagnostics';

/** A page of the conversation table with each row's finding count as the user configured the rules. */
export function withOverriddenCounts(page: ConversationsResult, findings: readonly Finding[], overrides: RuleOverrides): ConversationsResult {
  if (overrides.size === 0) return page;
  const counts = findingCountsByStream(applyRuleOverrides(findings, overrides));
  return { ...page, rows: page.rows.map((row) => ({ ...row, findingCount: counts.get(row.stream) ?? 0 })) };
}

/** Diagnostics made before the setting was read (a live capture's, published as packets arrive), as the user configured the rules. */
export function overrideDiagnostics(diagnostics: readonly Diagnostic[], overrides: RuleOverrides): Diagnostic[] {
  return diagnostics.flatMap((diagnostic) => {
    const setting = typeof diagnostic.code === 'string' ? overrides.get(diagnostic.code) : undefined;
    if (setting === undefined) return [diagnostic];
    return setting === 'off' ? [] : [{ ...diagnostic, severity: SEVERITY[setting] }];
  });
}
