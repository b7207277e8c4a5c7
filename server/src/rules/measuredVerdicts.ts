/**
 * Verdicts measured by the harness in test/verdicts/ (`npm run verdicts`): real nginx, HAProxy,
 * Node, Go and curl run on each rule's example. They live in one generated file, bundled at build
 * time, and join the cited verdicts written in the rule files. A measured verdict replaces an
 * `observed` one for the same implementation (the same kind of evidence, reproducible); cited
 * verdicts (Envoy's source) always stay.
 */
import type { Implementation, Verdict } from '../../../protocol/model';
import { verdicts as generated } from './verdicts.generated.json';

const ORDER: readonly Implementation[] = ['envoy', 'nginx', 'haproxy', 'node', 'go', 'curl'];

const measured = generated as Readonly<Record<string, readonly Verdict[] | undefined>>;

/** The measured verdicts for a rule id, as generated. */
export function measuredVerdicts(ruleId: string): readonly Verdict[] {
  return measured[ruleId] ?? [];
}

/** A rule's verdicts with the measured ones merged in, in a fixed implementation order. */
export function mergeVerdicts(ruleId: string, written: readonly Verdict[]): readonly Verdict[] {
  const fresh = measuredVerdicts(ruleId);
  if (fresh.length === 0) return written;
  const replaced = new Set(fresh.map((verdict) => verdict.implementation));
  const kept = written.filter((verdict) => verdict.source !== 'observed' || !replaced.has(verdict.implementation));
  return [...kept, ...fresh].sort((a, b) => ORDER.indexOf(a.implementation) - ORDER.indexOf(b.implementation));
}
