/**
 * Runs every case through every chosen implementation (a few at a time), judges what was seen,
 * and reads, compares and writes the generated verdict file
 * (server/src/rules/verdicts.generated.json, merged into the catalogue by server/src/rules/index.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../../protocol/model';
import { REPO_ROOT } from '../unit/helpers';
import { verdictCases, type VerdictCase } from './cases';
import { createDriver, IMPLEMENTATIONS, type Driver, type MeasuredImplementation } from './drivers';
import { judge, verdictFor, type Observation } from './judge';

export const GENERATED_FILE = path.join(REPO_ROOT, 'server/src/rules/verdicts.generated.json');

export type MeasuredVerdict = Verdict & { readonly version: string; readonly date: string };

export interface GeneratedVerdicts {
  readonly comment: string;
  /** Per implementation: what was run, its version, and when it was last measured. */
  readonly implementations: Partial<Record<MeasuredImplementation, { readonly label: string; readonly version: string; readonly date: string }>>;
  /** Per rule id: one measured verdict per implementation (the catalogue shows these). */
  readonly verdicts: Readonly<Record<string, readonly MeasuredVerdict[]>>;
  /** Per rule id and implementation: every run behind the verdict (roles, parser modes, logs). */
  readonly observations: Readonly<Record<string, Readonly<Partial<Record<MeasuredImplementation, readonly Observation[]>>>>>;
}

export interface Measurement {
  readonly drivers: readonly Driver[];
  readonly cases: readonly VerdictCase[];
  readonly verdicts: Map<string, MeasuredVerdict[]>;
  readonly observations: Map<string, Map<MeasuredImplementation, Observation[]>>;
  readonly date: string;
  readonly seconds: number;
}

/** Today as YYYY-MM-DD (UTC). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** One case on one implementation never takes this long (the client deadline is 4 s per run). */
const RUN_DEADLINE_MS = 60_000;

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function pool<T>(tasks: (() => Promise<T>)[], size: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, worker));
  return results;
}

/**
 * Measures `implementations` on `cases`. Any harness failure (a proxy that does not start, a port
 * in use, a Go build error) rejects with a sentence naming the implementation and rule: it never
 * turns into a verdict.
 */
export async function measure(
  implementations: readonly MeasuredImplementation[],
  options: { readonly rules?: readonly string[]; readonly concurrency?: number; readonly progress?: (line: string) => void } = {},
): Promise<Measurement> {
  const started = Date.now();
  const date = today();
  const cases = verdictCases().filter((c) => !options.rules || options.rules.includes(c.ruleId));
  const drivers: Driver[] = [];
  try {
    for (const implementation of implementations) drivers.push(createDriver(implementation));
    const tasks = drivers.flatMap((driver) =>
      cases
        .filter((testCase) => driver.sides.includes(testCase.side))
        .map((testCase) => async () => {
          let runs;
          try {
            runs = await withDeadline(driver.run(testCase), RUN_DEADLINE_MS, `did not finish within ${RUN_DEADLINE_MS / 1000} s`);
          } catch (error) {
            throw new Error(`${driver.label}, rule ${testCase.ruleId}: harness failure: ${error instanceof Error ? error.message : String(error)}`);
          }
          const observations = runs.map((run) => judge(testCase, driver.implementation, run));
          const verdict = verdictFor(testCase, driver, observations, date);
          options.progress?.(`${testCase.ruleId} × ${driver.implementation}: ${verdict.outcome}`);
          return { testCase, driver, observations, verdict };
        }),
    );
    const results = await pool(tasks, options.concurrency ?? 6);
    const verdicts = new Map<string, MeasuredVerdict[]>();
    const observations = new Map<string, Map<MeasuredImplementation, Observation[]>>();
    for (const { testCase, driver, observations: seen, verdict } of results) {
      verdicts.set(testCase.ruleId, [...(verdicts.get(testCase.ruleId) ?? []), verdict]);
      const byImplementation = observations.get(testCase.ruleId) ?? new Map();
      byImplementation.set(driver.implementation as MeasuredImplementation, seen);
      observations.set(testCase.ruleId, byImplementation);
    }
    return { drivers, cases, verdicts, observations, date, seconds: (Date.now() - started) / 1000 };
  } finally {
    await Promise.all(drivers.map((driver) => driver.dispose()));
  }
}

export function readGenerated(): GeneratedVerdicts {
  return JSON.parse(fs.readFileSync(GENERATED_FILE, 'utf8')) as GeneratedVerdicts;
}

const ORDER: readonly string[] = IMPLEMENTATIONS;

/**
 * The generated file after `measurement`: every (rule, implementation) it measured replaced, the
 * rest kept from `previous` (pass undefined after a full run so that nothing stale survives).
 */
export function merged(previous: GeneratedVerdicts | undefined, measurement: Measurement): GeneratedVerdicts {
  const ruleOrder = verdictCases().map((c) => c.ruleId);
  const verdicts: Record<string, MeasuredVerdict[]> = {};
  const observations: Record<string, Partial<Record<MeasuredImplementation, Observation[]>>> = {};
  for (const ruleId of ruleOrder) {
    const fresh = measurement.verdicts.get(ruleId) ?? [];
    const replaced = new Set(fresh.map((v) => v.implementation));
    const kept = (previous?.verdicts[ruleId] ?? []).filter((v) => !replaced.has(v.implementation));
    const all = [...kept, ...fresh].sort((a, b) => ORDER.indexOf(a.implementation) - ORDER.indexOf(b.implementation));
    if (all.length) verdicts[ruleId] = all;
    const seen: Partial<Record<MeasuredImplementation, Observation[]>> = {};
    for (const implementation of IMPLEMENTATIONS) {
      const chosen = replaced.has(implementation) ? measurement.observations.get(ruleId)?.get(implementation) : previous?.observations[ruleId]?.[implementation];
      if (chosen) seen[implementation] = [...chosen];
    }
    if (Object.keys(seen).length) observations[ruleId] = seen;
  }
  const implementations: GeneratedVerdicts['implementations'] = { ...(previous?.implementations ?? {}) };
  for (const driver of measurement.drivers) {
    (implementations as Record<string, unknown>)[driver.implementation] = { label: driver.label, version: driver.version, date: measurement.date };
  }
  return {
    comment: 'Generated by `npm run verdicts` (test/verdicts/runVerdicts.ts): do not edit. Measured verdicts for the rule catalogue; server/src/rules/index.ts merges them in.',
    implementations: Object.fromEntries(IMPLEMENTATIONS.filter((i) => implementations[i]).map((i) => [i, implementations[i]])),
    verdicts,
    observations,
  };
}

export function writeGenerated(file: GeneratedVerdicts): void {
  fs.writeFileSync(GENERATED_FILE, JSON.stringify(file, null, 2) + '\n');
}

/** Versions that differ from the committed file's: worth saying, not a failure when the behaviour is the same. */
export function versionNotes(committed: GeneratedVerdicts, measurement: Measurement): string[] {
  const out: string[] = [];
  for (const driver of measurement.drivers) {
    const recorded = committed.implementations[driver.implementation as MeasuredImplementation];
    if (recorded && recorded.version !== driver.version) out.push(`${driver.implementation}: committed verdicts were measured with ${recorded.version}, this machine runs ${driver.version}`);
  }
  return out;
}

/** Differences between a fresh measurement of one rule and the committed file: a different outcome or summary, or a verdict missing on either side. */
export function ruleDifferences(committed: GeneratedVerdicts, measurement: Measurement, ruleId: string): string[] {
  const out: string[] = [];
  const fresh = measurement.verdicts.get(ruleId) ?? [];
  for (const verdict of fresh) {
    const old = committed.verdicts[ruleId]?.find((v) => v.implementation === verdict.implementation);
    if (!old) out.push(`${ruleId} × ${verdict.implementation}: measured ${verdict.outcome}, nothing committed`);
    else if (old.outcome !== verdict.outcome || old.summary !== verdict.summary) {
      out.push(`${ruleId} × ${verdict.implementation}:\n    committed: ${old.outcome} — ${old.summary}\n    measured:  ${verdict.outcome} — ${verdict.summary}`);
    }
  }
  const measuredHere = new Set(measurement.drivers.filter((d) => measurement.cases.some((c) => c.ruleId === ruleId && d.sides.includes(c.side))).map((d) => d.implementation));
  for (const old of committed.verdicts[ruleId] ?? []) {
    if (measuredHere.has(old.implementation) && !fresh.some((v) => v.implementation === old.implementation)) out.push(`${ruleId} × ${old.implementation}: committed, but not measured any more`);
  }
  return out;
}

/** Every difference between a fresh measurement and the committed file (see ruleDifferences). */
export function differences(committed: GeneratedVerdicts, measurement: Measurement): string[] {
  return measurement.cases.flatMap((testCase) => ruleDifferences(committed, measurement, testCase.ruleId));
}
