/**
 * Findings grouped by rule: count, severity, RFC section, what each implementation does with
 * such a message (the verdicts, with how each is known), and each finding as a button that
 * reveals its bytes in the stream document. Display only: the server found them and the
 * catalogue says the rest. Rendered again as findings stream in; open groups stay open.
 */
import type { Finding, RuleInfo, Verdict } from '../../protocol/model';
import { element } from './dom';

const IMPLEMENTATIONS: Record<Verdict['implementation'], string> = {
  envoy: 'Envoy (Istio)',
  nginx: 'nginx',
  haproxy: 'HAProxy',
  node: 'Node.js',
  go: 'Go net/http',
  curl: 'curl',
};

export type RevealFinding = (finding: Finding) => void;

function verdictList(rule: RuleInfo): HTMLElement {
  const list = element('ul', { class: 'verdicts', 'aria-label': `What implementations do with ${rule.id}` });
  for (const verdict of rule.verdicts) {
    const item = element('li', { class: `verdict ${verdict.outcome}` });
    item.append(
      element('strong', {}, `${IMPLEMENTATIONS[verdict.implementation]}: ${verdict.outcome}`),
      element('span', {}, ` — ${verdict.summary} `),
      element('span', { class: 'source' }, `(${verdict.source}${verdict.version ? `, ${verdict.version}` : ''})`),
    );
    list.append(item);
  }
  return list;
}

const SEVERITY_ORDER: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };
/** Findings listed per group; the rest are counted (the table's Find box with the rule id lists their conversations). */
const LISTED_PER_RULE = 200;

/**
 * `openRules` holds the rule ids whose group is open (the first group opens when it is empty and
 * `scanning` is false); it is updated as the user opens and closes groups.
 */
export function renderFindingsPanel(
  findings: readonly Finding[],
  rules: readonly RuleInfo[],
  reveal: RevealFinding,
  openRules: Set<string>,
  scanning = false,
): HTMLElement {
  const panel = element('section', { id: 'findings', 'aria-label': 'Findings by rule' });
  if (findings.length === 0) {
    panel.append(element('p', { class: 'hint' }, scanning ? 'No findings so far.' : 'No findings: every HTTP/1.x message in this capture passed the catalogue.'));
    return panel;
  }
  const byRule = new Map<string, Finding[]>();
  for (const finding of findings) byRule.set(finding.ruleId, [...(byRule.get(finding.ruleId) ?? []), finding]);
  const groups = [...byRule].sort(([, a], [, b]) => SEVERITY_ORDER[a[0].severity] - SEVERITY_ORDER[b[0].severity] || b.length - a.length);
  const total = element('p', { class: 'findings-total' }, `${findings.length} finding${findings.length === 1 ? '' : 's'} of ${groups.length} rule${groups.length === 1 ? '' : 's'}${scanning ? ' so far' : ''}`);
  panel.append(total);
  for (const [ruleId, hits] of groups) {
    const rule = rules.find((r) => r.id === ruleId);
    const severity = hits[0].severity;
    const group = element('details', { class: `finding-group ${severity}`, 'data-rule': ruleId, 'data-count': String(hits.length) });
    if (openRules.has(ruleId)) group.setAttribute('open', '');
    group.addEventListener('toggle', () => (group.hasAttribute('open') ? openRules.add(ruleId) : openRules.delete(ruleId)));
    const title = rule ? `${rule.title} (${ruleId})` : ruleId;
    const summary = element('summary', { 'aria-label': `${severity}: ${title}, ${hits.length} finding${hits.length === 1 ? '' : 's'}` });
    summary.append(
      element('span', { class: `severity-badge ${severity}` }, severity),
      element('span', { class: 'group-title' }, ` ${title} `),
      element('span', { class: 'count-badge' }, String(hits.length)),
    );
    group.append(summary);
    if (rule) {
      const rfc = element('p', { class: 'rfc' }, `${rule.rfc.document} §${rule.rfc.section}: `);
      rfc.append(element('a', { href: rule.rfc.url }, rule.rfc.url));
      group.append(rfc, verdictList(rule));
    }
    const list = element('ul', { class: 'finding-list' });
    for (const hit of hits.slice(0, LISTED_PER_RULE)) {
      const where = `stream ${hit.stream}, ${hit.direction}, frame ${hit.frame}`;
      const button = element(
        'button',
        { type: 'button', class: 'finding', title: 'Show these bytes in the stream', 'aria-label': `Show the bytes of ${hit.ruleId} in ${where}`, 'data-finding-stream': String(hit.stream) },
        `${where}: ${hit.message}`,
      );
      button.addEventListener('click', () => reveal(hit));
      const item = element('li');
      item.append(button);
      list.append(item);
    }
    if (hits.length > LISTED_PER_RULE) {
      list.append(element('li', { class: 'hint' }, `… and ${hits.length - LISTED_PER_RULE} more: type ${ruleId} in Find to list their conversations.`));
    }
    group.append(list);
    panel.append(group);
  }
  // The first group opens once the scan is over: the finding a user came for is usually there.
  if (openRules.size === 0 && !scanning) {
    const first = panel.querySelector('details');
    first?.setAttribute('open', '');
    if (first?.dataset.rule) openRules.add(first.dataset.rule);
  }
  return panel;
}
