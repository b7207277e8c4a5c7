/**
 * A small seeded run of the capture fuzz (test/fuzz/captureFuzz.ts; `npm run fuzz` runs 100k
 * cases per format): mutated pcap and pcapng files through the index, scan and follow must give
 * an index, a tshark fallback or a CaptureFileError sentence, never anything else.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fuzzCaptures } from '../../fuzz/captureFuzz';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const CASES = 300;

describe(`capture fuzz, ${CASES} cases per format (FUZZ_SEED=${SEED})`, function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-fuzz-unit-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: no crash, and the mutants reach every outcome`, async () => {
      const result = await fuzzCaptures({ format, seed: SEED, cases: CASES, dir: tmp });
      assert.deepEqual(result.failures, [], `replay with FUZZ_SEED=${SEED} FUZZ_REPLAY=${format}:<case> npm run fuzz`);
      const outcomes = Object.keys(result.outcomes).join(', ');
      for (const expected of ['whole', 'partial (cut)', 'partial (damaged)', 'left to tshark (unsupported)', 'refused (CaptureFileError)']) {
        assert.ok(result.outcomes[expected] > 0, `no case ended "${expected}" (got ${outcomes}): the mutations lost their reach`);
      }
    });
  }
});
