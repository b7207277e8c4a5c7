/**
 * The quick subset of `npm run verdicts`, run by `npm test`: nginx, HAProxy, Node (proxy and
 * client, default and insecureHTTPParser) and curl on every rule the harness covers, compared
 * with the committed server/src/rules/verdicts.generated.json. Go is left to `npm run verdicts`
 * so that `npm test` needs no Go toolchain. A harness failure (a proxy that does not start, a
 * port in use) fails the suite with its own message; it never becomes a verdict.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startProxy } from '../../scripts/lib/loopback.mjs';
import { verdictCases } from './cases';
import type { MeasuredImplementation } from './drivers';
import { measure, readGenerated, ruleDifferences, versionNotes, type GeneratedVerdicts, type Measurement } from './harness';

const QUICK: readonly MeasuredImplementation[] = ['nginx', 'haproxy', 'node', 'curl'];

describe(`measured verdicts, quick subset (${QUICK.join(', ')}) against the committed file`, function () {
  this.timeout(120_000);
  let measurement: Measurement;
  let committed: GeneratedVerdicts;

  before(async () => {
    committed = readGenerated();
    measurement = await measure(QUICK);
    for (const note of versionNotes(committed, measurement)) console.log(`      note: ${note}`);
    console.log(`      measured ${[...measurement.verdicts.values()].flat().length} verdicts in ${measurement.seconds.toFixed(1)} s`);
  });

  for (const testCase of verdictCases()) {
    it(`${testCase.ruleId} (${testCase.side}): what runs here matches the committed verdicts (else run npm run verdicts)`, () => {
      assert.deepEqual(ruleDifferences(committed, measurement, testCase.ruleId), []);
    });
  }
});

describe('harness failures are errors, never verdicts', () => {
  for (const kind of ['nginx', 'haproxy'] as const) {
    it(`${kind} on a port that is in use: startProxy rejects with one sentence naming the port`, async () => {
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
      const port = (squatter.address() as net.AddressInfo).port;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-verdicts-busy-'));
      try {
        await assert.rejects(startProxy(kind, dir, port, 9, { timeoutSeconds: 1 }), (error: Error) => {
          assert.match(error.message, new RegExp(`${kind}.*127\\.0\\.0\\.1:${port}`));
          assert.match(error.message, /in use|Address already in use|exited/i);
          return true;
        });
      } finally {
        squatter.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
