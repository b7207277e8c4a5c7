/**
 * `npm run fuzz`: the parser and rule properties with many more cases than the unit suite.
 *   FUZZ_RUNS (default 35000 per property; 4 properties) and FUZZ_SEED (default: time-based,
 *   printed so a failure can be replayed) tune it.
 */
import fc from 'fast-check';
import { httpFuzzProperties } from './httpFuzz';

const runs = Number(process.env.FUZZ_RUNS ?? 35_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let total = 0;
let failed = false;
const started = Date.now();
for (const property of httpFuzzProperties()) {
  const t0 = Date.now();
  const details = fc.check(property.check, { seed, numRuns: runs });
  total += details.numRuns;
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (details.failed) {
    failed = true;
    console.log(`FAIL ${property.name}: after ${details.numRuns} cases (${seconds} s), seed ${seed}, path ${details.counterexamplePath}`);
    console.log(`  counterexample: ${JSON.stringify(details.counterexample)?.slice(0, 2000)}`);
    console.log(`  error: ${String(details.errorInstance).slice(0, 1000)}`);
  } else {
    console.log(`ok   ${property.name}: ${details.numRuns} cases in ${seconds} s`);
  }
}
console.log(`${total} cases, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s: ${failed ? 'FAILED' : '0 crashes, 0 property violations'}`);
process.exit(failed ? 1 : 0);
