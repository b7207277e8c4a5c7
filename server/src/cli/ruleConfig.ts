/**
 * `wirelens analyze --config FILE`: the rule settings a team keeps for the editor (`wirelens.rules`
 * in a VS Code settings.json: comments and trailing commas allowed) applied to the CLI's findings,
 * so CI judges a capture as the editor shows it. A setting the editor would ignore (an unknown
 * rule id, a value other than off/error/warning/info) is ignored here too, with a warning.
 */
import * as fs from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseRuleOverrides, RULE_SETTINGS, type RuleOverrides } from '../rules/ruleSettings';

/** The settings.json key the editor reads (package.json contributes it). */
export const RULES_SETTING_KEY = 'wirelens.rules';

/** A config file that cannot be used: one sentence, exit code 2. */
export class ConfigFileError extends Error {}

export interface RuleConfig {
  readonly overrides: RuleOverrides;
  readonly warnings: readonly string[];
}

export function readRuleConfig(file: string, knownRuleIds: ReadonlySet<string>): RuleConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileError(code === 'ENOENT' ? `The config file ${file} does not exist.` : `The config file ${file} cannot be read (${code}).`);
  }
  const errors: ParseError[] = [];
  // Editors save settings.json with a byte-order mark now and then; VS Code reads it regardless.
  const settings: unknown = parse(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const [first] = errors;
    const line = text.slice(0, first.offset).split('\n').length;
    throw new ConfigFileError(`The config file ${file} is not valid JSON: ${printParseErrorCode(first.error)} on line ${line}.`);
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ConfigFileError(`The config file ${file} must hold a JSON object (a VS Code settings.json with "${RULES_SETTING_KEY}").`);
  }
  const value = (settings as Record<string, unknown>)[RULES_SETTING_KEY];
  const warnings: string[] = [];
  if (value === undefined) {
    warnings.push(`${file} has no "${RULES_SETTING_KEY}" setting: every rule keeps its default severity.`);
  } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    warnings.push(`"${RULES_SETTING_KEY}" in ${file} is not an object of rule ids: it is ignored.`);
  } else {
    for (const [ruleId, setting] of Object.entries(value)) {
      if (!knownRuleIds.has(ruleId)) warnings.push(`"${RULES_SETTING_KEY}" in ${file} names no rule "${ruleId}" (see wirelens rules): ignored.`);
      else if (!RULE_SETTINGS.includes(setting as never)) warnings.push(`"${RULES_SETTING_KEY}" in ${file} sets ${ruleId} to ${JSON.stringify(setting)}, not one of ${RULE_SETTINGS.join(', ')}: ignored.`);
    }
  }
  const overrides = new Map([...parseRuleOverrides(value)].filter(([ruleId]) => knownRuleIds.has(ruleId)));
  return { overrides, warnings };
}
