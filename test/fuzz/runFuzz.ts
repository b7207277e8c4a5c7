/**
 * `npm run fuzz` (docs/reliability.md): three long runs, all seeded.
 *   1. The HTTP parser and rule properties (httpFuzz.ts): FUZZ_RUNS cases per property (default 35000, 4 properties).
 *   2. Mutated pcap and pcapng files through the direct reader, index, scan and follow, in process
 *      (captureFuzz.ts): FUZZ_CAPTURE_CASES per format (default 100000), one worker thread per
 *      format with a watchdog that names the case that hangs.
 *   3. A sample of those mutants through the real CLI, analyze and conversations (cliFuzz.ts):
 *      FUZZ_CLI_CASES per format (default 150).
 * FUZZ_SEED (default: time-based, printed) replays a run; FUZZ_REPLAY=pcap:1234 runs one capture
 * case alone, prints its mutation and result, and leaves the file in the temporary folder.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { captureMutant, fuzzCaptures, type CaptureFuzzResult } from './captureFuzz';
import type { CaptureFuzzWorkerData } from './captureFuzzWorker';
import type { CaptureFormat } from './captureMutations';
import { fuzzCli } from './cliFuzz';
import { httpFuzzProperties } from './httpFuzz';

const runs = Number(process.env.FUZZ_RUNS ?? 35_000);
const captureCases = Number(process.env.FUZZ_CAPTURE_CASES ?? 100_000);
const cliCases = Number(process.env.FUZZ_CLI_CASES ?? 150);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** A case that has not finished after this long is a hang. */
const HANG_MS = 30_000;

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const scratch = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'wirelens-fuzz-'));

function httpFuzz(): boolean {
  let total = 0;
  let failed = false;
  const started = Date.now();
  for (const property of httpFuzzProperties()) {
    const t0 = Date.now();
    const details = fc.check(property.check, { seed, numRuns: runs });
    total += details.numRuns;
    if (details.failed) {
      failed = true;
      console.log(`FAIL ${property.name}: after ${details.numRuns} cases (${seconds(t0)} s), seed ${seed}, path ${details.counterexamplePath}`);
      console.log(`  counterexample: ${JSON.stringify(details.counterexample)?.slice(0, 2000)}`);
      console.log(`  error: ${String(details.errorInstance).slice(0, 1000)}`);
    } else {
      console.log(`ok   ${property.name}: ${details.numRuns} cases in ${seconds(t0)} s`);
    }
  }
  console.log(`HTTP: ${total} cases, ${seconds(started)} s: ${failed ? 'FAILED' : '0 crashes, 0 property violations'}`);
  return !failed;
}

/** One format's capture fuzz in a worker thread; a case stuck for HANG_MS ends it as a hang. */
function captureFuzzInWorker(format: CaptureFormat): Promise<CaptureFuzzResult> {
  const heartbeat = new Int32Array(new SharedArrayBuffer(4));
  const data: CaptureFuzzWorkerData = { format, seed, cases: captureCases, dir: scratch, heartbeat };
  const worker = new Worker(path.join(__dirname, 'captureFuzzWorker.js'), { workerData: data });
  return new Promise((resolve, reject) => {
    let last = -1;
    let since = Date.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(heartbeat, 0);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since > HANG_MS) {
        clearInterval(watchdog);
        void worker.terminate();
        const { steps } = captureMutant(format, seed, now);
        resolve({ cases: now, outcomes: { hung: 1 }, failures: [{ case: now, steps, error: `no progress for ${HANG_MS / 1000} s: a hang` }] });
      }
    }, 1000);
    worker.once('message', (result: CaptureFuzzResult) => {
      clearInterval(watchdog);
      resolve(result);
    });
    worker.once('error', (error) => {
      clearInterval(watchdog);
      reject(error);
    });
  });
}

function report(label: string, result: CaptureFuzzResult, started: number): boolean {
  const failed = result.failures.length > 0;
  console.log(`${failed ? 'FAIL' : 'ok  '} ${label}: ${result.cases} cases in ${seconds(started)} s, seed ${seed}: ${JSON.stringify(result.outcomes)}`);
  for (const failure of result.failures) {
    console.log(`  case ${failure.case} (FUZZ_REPLAY=${label}:${failure.case}): ${failure.steps.join(' | ')}`);
    console.log(`    ${failure.error.split('\n').slice(0, 8).join('\n    ')}`);
  }
  return !failed;
}

async function replay(spec: string): Promise<boolean> {
  const [format, n] = spec.split(':') as [CaptureFormat, string];
  const mutant = captureMutant(format, seed, Number(n));
  const file = path.join(os.tmpdir(), `wirelens-fuzz-${format}-${seed}-${n}.${format}`);
  fs.writeFileSync(file, mutant.bytes);
  console.log(`case ${spec}, seed ${seed}: ${mutant.steps.join(' | ')}\n  written to ${file}`);
  return report(format, await fuzzCaptures({ format, seed, first: Number(n), cases: 1, dir: scratch }), Date.now());
}

async function main(): Promise<boolean> {
  console.log(`FUZZ_SEED=${seed}`);
  if (process.env.FUZZ_REPLAY) return replay(process.env.FUZZ_REPLAY);
  const httpOk = httpFuzz();
  const started = Date.now();
  const [pcap, pcapng] = await Promise.all([captureFuzzInWorker('pcap'), captureFuzzInWorker('pcapng')]);
  const capturesOk = [report('pcap', pcap, started), report('pcapng', pcapng, started)].every(Boolean);
  const cliStarted = Date.now();
  const cli = await fuzzCli(seed, cliCases, scratch);
  console.log(`${cli.failures.length ? 'FAIL' : 'ok  '} CLI (analyze + conversations): ${cli.runs} runs in ${seconds(cliStarted)} s, exit codes ${JSON.stringify(cli.exitCodes)}, slowest ${(cli.slowestMs / 1000).toFixed(1)} s`);
  for (const failure of cli.failures.slice(0, 20)) console.log(`  ${failure.command} ${failure.format} case ${failure.case} (FUZZ_REPLAY=${failure.format}:${failure.case}): ${failure.problem}\n    ${failure.steps.join(' | ')}`);
  return httpOk && capturesOk && cli.failures.length === 0;
}

main()
  .then((ok) => {
    console.log(ok ? `0 crashes, 0 hangs (FUZZ_SEED=${seed})` : `FAILED (FUZZ_SEED=${seed})`);
    process.exitCode = ok ? 0 : 1;
  })
  .finally(() => fs.rmSync(scratch, { recursive: true, force: true }));
