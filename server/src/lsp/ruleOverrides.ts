/**
 * The `wirelens.rules` setting: per rule, "off" or a severity that replaces the rule's default.
 * Severity is policy (STYLE.md): the rules keep finding what they find; this is applied where
 * findings leave the server (diagnostics, hover, the capture editor's findings, Analyze Capture).
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { ConversationsResult } from '../../../protocol/lspProtocol';
import type { Finding, Severity } from '../../../protocol/model';
import { SEVERITY } from './diagnostics';

export type RuleSetting = Severity | 'off';
export type RuleOverrides = ReadonlyMap<string, RuleSetting>;

const SETTINGS: readonly RuleSetting[] = ['off', 'error', 'warning', 'info'];

/** The setting's value as read from the client; entries that are not a known setting are ignored. */
export function parseRuleOverrides(value: unknown): RuleOverrides {
  const overrides = new Map<string, RuleSetting>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return overrides;
  for (const [ruleId, setting] of Object.entries(value)) {
    if (SETTINGS.includes(setting as RuleSetting)) overrides.set(ruleId, setting as RuleSetting);
  }
  return overrides;
}

/** Findings as the user configured them: "off" rules left out, overridden severities replaced. */
export function applyRuleOverrides(findings: readonly Finding[], overrides: RuleOverrides): readonly Finding[] {
  if (overrides.size === 0) return findings;
  return findings.flatMap((finding) => {
    const setting = overrides.get(finding.ruleId);
    if (setting === undefined) return [finding];
    if (setting === 'off') return [];
    return [setting === finding.severity ? finding : { ...finding, severity: setting }];
  });
}

/** A page of the conversation table with each row's finding count as the user configured the rules. */
export function withOverriddenCounts(page: ConversationsResult, findings: readonly Finding[], overrides: RuleOverrides): ConversationsResult {
  if (overrides.size === 0) return page;
  const counts = new Map<number, number>();
  for (const finding of applyRuleOverrides(findings, overrides)) counts.set(finding.stream, (counts.get(finding.stream) ?? 0) + 1);
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
