/** Hover on a finding: the rule, its RFC section, why it matters, and what each proxy does. */
import type { Hover, MarkupContent, Position, Range } from 'vscode-languageserver';
import type { Finding, Implementation, Verdict } from '../../../protocol/model';
import type { RenderedStream } from '../document/renderStreamDocument';
import { ruleById } from '../rules';
import { findingRange } from './diagnostics';

const IMPLEMENTATION_NAMES: Record<Implementation, string> = {
  envoy: 'Envoy (Istio)',
  nginx: 'nginx',
  haproxy: 'HAProxy',
  node: 'Node.js (llhttp)',
  go: 'Go net/http',
  curl: 'curl',
};

/** Finding messages quote packet bytes: keep them from being read as Markdown or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&"']/g, (c) => `\\${c}`);
}

function contains(range: Range, position: Position): boolean {
  const after = (a: Position, b: Position) => a.line > b.line || (a.line === b.line && a.character >= b.character);
  return after(position, range.start) && after(range.end, position);
}

function verdictRow(verdict: Verdict): string {
  return `| ${IMPLEMENTATION_NAMES[verdict.implementation]} | **${verdict.outcome}** — ${verdict.summary} | ${verdict.source}: ${verdict.reference} |`;
}

export function hoverMarkdown(finding: Finding): string {
  const rule = ruleById(finding.ruleId);
  if (!rule) return escapeMarkdown(finding.message);
  return [
    `**${rule.title}** \`${rule.id}\` — [${rule.rfc.document} §${rule.rfc.section}](${rule.rfc.url})`,
    '',
    escapeMarkdown(finding.message),
    '',
    rule.description,
    '',
    '| Implementation | What it does | How we know |',
    '|---|---|---|',
    ...rule.verdicts.map(verdictRow),
    '',
    `Stream ${finding.stream}, ${finding.direction}, bytes ${finding.offset}–${finding.offset + finding.length}, frame ${finding.frame}${finding.tlsRecord ? `, TLS record ${finding.tlsRecord.index} of that frame (decrypted bytes)` : ''}.`,
  ].join('\n');
}

export function hoverAt(rendered: RenderedStream, findings: readonly Finding[], position: Position): Hover | null {
  const hits = findings.filter((finding) => contains(findingRange(rendered, finding), position));
  if (hits.length === 0) return null;
  const contents: MarkupContent = { kind: 'markdown', value: hits.map(hoverMarkdown).join('\n\n---\n\n') };
  return { contents, range: findingRange(rendered, hits[0]) };
}
