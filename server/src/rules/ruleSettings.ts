/**
 * Rule settings: per rule, "off" or a severity that replaces the rule's default. Severity is
 * policy (STYLE.md): the rules keep finding what they find; the settings are applied where
 * findings leave the analysis: the editor's `wirelens.rules` (lsp/ruleOverrides.ts) and the CLI's
 * `--config` (cli/ruleConfig.ts), which reads the same setting from a settings.json.
 */
import type { Finding, Severity } from '../../../protocol/model';

export type RuleSetting = Severity | 'off';
export type RuleOverrides = ReadonlyMap<string, RuleSetting>;

export const RULE_SETTINGS: readonly RuleSetting[] = ['off', 'error', 'warning', 'info'];

/** The setting's value as read from the client; entries that are not a known setting are ignored. */
export function parseRuleOverrides(value: unknown): RuleOverrides {
  const overrides = new Map<string, RuleSetting>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return overrides;
  for (const [ruleId, setting] of Object.entries(value)) {
    if (RULE_SETTINGS.includes(setting as RuleSetting)) overrides.set(ruleId, setting as RuleSetting);
  }
  return overrides;
}

/** How many findings each stream has (a conversation row's findingCount). */
export function findingCountsByStream(findings: readonly Finding[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const finding of findings) counts.set(finding.stream, (counts.get(finding.stream) ?? 0) + 1);
  return counts;
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
