/**
 * `wirelens` command line: the server's analysis without VS Code, for CI and scripts.
 * Exit codes: 0 no findings, 1 findings, 2 error (one sentence on stderr, never a stack trace).
 * Partial results (a capture cut short or damaged) keep 0/1 and add a warning line on stderr.
 */
import * as fs from 'node:fs';
import { analyzeCaptureFile, CaptureFileError, type CaptureAnalysis } from '../analysis/analyzeCapture';
import { applyRuleOverrides, findingCountsByStream, type RuleOverrides } from '../rules/ruleSettings';
import { ruleInfos } from '../rules';
import { startChildReaper } from '../tshark/processGuard';
import { TsharkError } from '../tshark/tsharkError';
import { capture, CAPTURE_OPTIONS } from './captureCommand';
import { formatRulesMarkdown } from './formatRulesMarkdown';
import { formatSarif } from './formatSarif';
import { formatText } from './formatText';
import { printWarnings } from './printWarnings';
import { ConfigFileError, readRuleConfig } from './ruleConfig';
import { conversationsCommand, followCommand } from './streamCommands';
import { checkFormat, UsageError } from './usageError';

declare const WIRELENS_VERSION: string;

const USAGE = `Usage:
  wirelens analyze FILE [--format text|json|sarif] [--keylog KEYS] [--config SETTINGS.json] [--tshark PATH]
  wirelens rules [--format text|json|markdown]
  wirelens conversations FILE [--format text|json] [--tshark PATH]
  wirelens follow FILE STREAM [--format text|raw|json] [--keylog KEYS] [--tshark PATH]
  wirelens capture --interface IF [--filter BPF] [--duration S] [--packets N] [--size 10MB]
                   [--write FILE] [--format text|json] [--tshark PATH]
  wirelens capture --command [--duration S] [--packets N] [--size 10MB] [--write FILE]
                   [--format text|json] -- CMD [ARG...]   (CMD writes pcap/pcapng to stdout)

--config reads "wirelens.rules" from a VS Code settings.json (rules "off" or given another severity).
Exit codes: 0 no findings, 1 findings, 2 error. Warnings (partial results) go to stderr.`;

export interface Options {
  readonly positional: string[];
  readonly format?: string;
  readonly tshark?: string;
  /** Every `--name value` given, by name (capture's options among them). */
  readonly named: Readonly<Record<string, string>>;
  /** What follows `--`: the argv of `capture --command`. */
  readonly command?: string[];
}

function parseOptions(args: string[]): Options {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  let command: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      command = args.slice(i + 1);
      break;
    }
    if (arg === '--command') {
      named.command = 'true';
      continue;
    }
    const match = new RegExp(`^--(format|tshark|keylog|config|${CAPTURE_OPTIONS.join('|')})(?:=(.*))?$`).exec(arg);
    if (match) {
      const value = match[2] ?? args[++i];
      if (value === undefined) throw new UsageError(`--${match[1]} needs a value.`);
      named[match[1]] = value;
    } else if (arg.startsWith('--')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, format: named.format, tshark: named.tshark ?? process.env.WIRELENS_TSHARK, named, ...(command ? { command } : {}) };
}

async function analyze(options: Options): Promise<number> {
  const [file, ...extra] = options.positional;
  if (!file || extra.length > 0) throw new UsageError('analyze takes exactly one capture file.');
  const format = checkFormat(options.format, ['text', 'json', 'sarif']);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const keyLog = options.named.keylog;
  if (keyLog !== undefined && !fs.existsSync(keyLog)) throw new CaptureFileError(`The key log ${keyLog} does not exist.`);
  const config = options.named.config === undefined ? undefined : readRuleConfig(options.named.config, new Set(ruleInfos().map((rule) => rule.id)));
  printWarnings(config?.warnings ?? []);
  // analyze always runs tshark (its version, at least): however this process ends, SIGKILL included, that tshark ends with it.
  startChildReaper();
  const analysed = await analyzeCaptureFile(file, { tsharkPath: options.tshark, signal: controller.signal, ...(keyLog ? { tlsKeyLogFile: keyLog } : {}) });
  printWarnings(analysed.summary.warnings);
  const analysis = config ? withRuleSettings(analysed, config.overrides) : analysed;
  if (format === 'json') {
    const tls = analysis.conversations.flatMap((c) => (c.tls ? [{ stream: c.stream, protocol: c.protocol, ...c.tls }] : []));
    process.stdout.write(JSON.stringify({ summary: analysis.summary, findings: analysis.findings, ...(tls.length ? { tls } : {}) }, null, 2) + '\n');
  } else if (format === 'sarif') {
    process.stdout.write(JSON.stringify(formatSarif(file, analysis, ruleInfos(), WIRELENS_VERSION), null, 2) + '\n');
  } else {
    process.stdout.write(formatText(file, analysis));
  }
  return analysis.findings.length > 0 ? 1 : 0;
}

/** The analysis as the rule settings say: findings off or re-graded, and the rows' and summary's counts to match. */
function withRuleSettings(analysis: CaptureAnalysis, overrides: RuleOverrides): CaptureAnalysis {
  const findings = [...applyRuleOverrides(analysis.findings, overrides)];
  const perStream = findingCountsByStream(findings);
  return {
    ...analysis,
    findings,
    conversations: analysis.conversations.map((row) => ({ ...row, findingCount: perStream.get(row.stream) ?? 0 })),
    summary: { ...analysis.summary, findings: findings.length },
  };
}

function rules(options: Options): number {
  const format = checkFormat(options.format, ['text', 'json', 'markdown']);
  const infos = ruleInfos();
  if (format === 'json') {
    process.stdout.write(JSON.stringify({ rules: infos }, null, 2) + '\n');
    return 0;
  }
  if (format === 'markdown') {
    process.stdout.write(formatRulesMarkdown(infos));
    return 0;
  }
  for (const rule of infos) {
    process.stdout.write(`${rule.id} (${rule.severity}) — ${rule.title} [${rule.rfc.document} §${rule.rfc.section}]\n`);
    for (const verdict of rule.verdicts) process.stdout.write(`    ${verdict.implementation}: ${verdict.outcome} — ${verdict.summary} (${verdict.source})\n`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const options = parseOptions(rest);
    if (options.named.config !== undefined && command !== 'analyze') throw new UsageError('--config applies to analyze only.');
    switch (command) {
      case 'analyze':
        return await analyze(options);
      case 'rules':
        return rules(options);
      case 'conversations':
        return await conversationsCommand(options, (message) => new UsageError(message));
      case 'follow':
        return await followCommand(options, (message) => new UsageError(message));
      case 'capture':
        return await capture(options);
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`wirelens: ${error.message}\n${USAGE}\n`);
    } else if (error instanceof TsharkError || error instanceof CaptureFileError || error instanceof ConfigFileError) {
      process.stderr.write(`wirelens: ${error.message}\n`);
    } else {
      process.stderr.write(`wirelens: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
