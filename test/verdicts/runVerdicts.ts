/**
 * `npm run verdicts`: measures every rule with an example through nginx, HAProxy, Node, Go and
 * curl, writes server/src/rules/verdicts.generated.json and the table in docs/verdicts.md.
 *
 *   node out/test/verdicts/runVerdicts.js                  measure all, write
 *   node out/test/verdicts/runVerdicts.js --check          measure, compare with the committed file, write nothing
 *   node out/test/verdicts/runVerdicts.js --only nginx,node [--rules id,id]   measure a subset (write merges it in)
 *   node out/test/verdicts/runVerdicts.js --table          only rewrite the table in docs/verdicts.md from the committed file
 *
 * Exit codes: 0 done (or no difference), 1 differences found by --check, 2 harness failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../unit/helpers';
import { IMPLEMENTATIONS, type MeasuredImplementation } from './drivers';
import { differences, GENERATED_FILE, measure, merged, readGenerated, versionNotes, writeGenerated } from './harness';
import { DOC, writeDoc } from './table';

function listOption(args: string[], name: string): string[] | undefined {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (!value) throw new Error(`${name} needs a comma-separated list`);
  return value.split(',').map((s) => s.trim());
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--table')) {
    writeDoc(readGenerated());
    console.log(`wrote the table in ${path.relative(REPO_ROOT, DOC)}`);
    return 0;
  }
  const only = listOption(args, '--only') as MeasuredImplementation[] | undefined;
  for (const implementation of only ?? []) {
    if (!IMPLEMENTATIONS.includes(implementation)) throw new Error(`--only: unknown implementation ${implementation} (${IMPLEMENTATIONS.join(', ')})`);
  }
  const rules = listOption(args, '--rules');
  const check = args.includes('--check');
  const measurement = await measure(only ?? IMPLEMENTATIONS, { rules, progress: args.includes('--verbose') ? (line) => console.log(line) : undefined });
  const count = [...measurement.verdicts.values()].reduce((n, list) => n + list.length, 0);
  console.log(`measured ${count} verdicts (${measurement.drivers.map((d) => d.label).join(', ')}) in ${measurement.seconds.toFixed(1)} s`);
  const committed = fs.existsSync(GENERATED_FILE) ? readGenerated() : undefined;
  if (check) {
    if (!committed) {
      console.error(`${GENERATED_FILE} does not exist: run npm run verdicts`);
      return 1;
    }
    for (const note of versionNotes(committed, measurement)) console.log(`note: ${note}`);
    const diff = differences(committed, measurement);
    for (const line of diff) console.log(line);
    if (diff.length) console.log(`${diff.length} differences from ${path.relative(REPO_ROOT, GENERATED_FILE)}: run npm run verdicts and commit the result`);
    return diff.length ? 1 : 0;
  }
  const next = merged(rules || only ? committed : undefined, measurement);
  writeGenerated(next);
  writeDoc(next);
  console.log(`wrote ${path.relative(REPO_ROOT, GENERATED_FILE)} and the table in ${path.relative(REPO_ROOT, DOC)}`);
  return 0;
}

// Ctrl-C or a kill: exit through process.exit so that the exit handlers stop the proxies (their
// own process groups) and remove the temp dirs.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.on(signal, () => process.exit(code));

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`verdicts: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
