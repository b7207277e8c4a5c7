/**
 * Findings grouped by rule: count, severity, RFC section, what each implementation does with
 * such a message (the verdicts, with how each is known), and each finding as a button that
 * follows its stream. Display only: the server found them and the catalogue says the rest.
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

export type FollowStream = (stream: number) => void;

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

export function renderFindingsPanel(findings: readonly Finding[], rules: readonly RuleInfo[], follow: FollowStream): HTMLElement {
  const panel = element('section', { id: 'findings', 'aria-label': 'Findings by rule' });
  if (findings.length === 0) {
    panel.append(element('p', { class: 'hint' }, 'No findings: every HTTP/1.x message in this capture passed the catalogue.'));
    return panel;
  }
  const byRule = new Map<string, Finding[]>();
  for (const finding of findings) byRule.set(finding.ruleId, [...(byRule.get(finding.ruleId) ?? []), finding]);
  for (const [ruleId, hits] of byRule) {
    const rule = rules.find((r) => r.id === ruleId);
    const group = element('details', { class: `finding-group ${hits[0].severity}`, 'data-rule': ruleId });
    const title = rule ? `${rule.title} (${ruleId})` : ruleId;
    group.append(element('summary', {}, `${hits[0].severity}: ${title} — ${hits.length} finding${hits.length === 1 ? '' : 's'}`));
    if (rule) {
      const rfc = element('p', { class: 'rfc' }, `${rule.rfc.document} §${rule.rfc.section}: `);
      rfc.append(element('a', { href: rule.rfc.url }, rule.rfc.url));
      group.append(rfc, verdictList(rule));
    }
    const list = element('ul', { class: 'finding-list' });
    for (const hit of hits) {
      const button = element('button', { type: 'button', class: 'finding', title: 'Follow this HTTP stream' }, `stream ${hit.stream}, ${hit.direction}, frame ${hit.frame}: ${hit.message}`);
      button.addEventListener('click', () => follow(hit.stream));
      const item = element('li');
      item.append(button);
      list.append(item);
    }
    group.append(list);
    panel.append(group);
  }
  // The first group is open: the finding a user came for is usually there.
  panel.querySelector('details')?.setAttribute('open', '');
  return panel;
}
