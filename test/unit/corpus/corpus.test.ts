/**
 * The engine over every real capture (samples/ and the shared public corpus), compared with a
 * checked-in expected-findings file per capture, restricted to stable fields (zeek's
 * btest-diff-cut idea): rule, stream, direction, byte range, frame. Messages may be reworded
 * without breaking this; a finding that appears, disappears or moves does break it.
 *
 * After reviewing a change by reading the bytes, regenerate with
 *   WIRELENS_UPDATE_EXPECTED=1 npm run test:unit -- --grep corpus
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { allCaptures, REPO_ROOT } from '../helpers';

const EXPECTED_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'corpus');
const update = process.env.WIRELENS_UPDATE_EXPECTED === '1';

describe('corpus: expected findings per capture', () => {
  for (const file of allCaptures()) {
    const name = path.basename(file);
    it(name, async () => {
      // A TLS sample's key log sits beside it (samples/x.keys for samples/x.pcapng).
      const keys = file.replace(/\.pcap(ng)?$/, '.keys');
      const analysis = await analyzeCaptureFile(file, fs.existsSync(keys) ? { tlsKeyLogFile: keys } : {});
      const actual = {
        conversations: analysis.conversations.map((c) => `${c.stream} ${c.protocol} ${c.exchanges.length} exchanges`),
        findings: analysis.findings.map((f) => `${f.ruleId} stream ${f.stream} ${f.direction} ${f.offset}+${f.length} frame ${f.frame}`),
      };
      const expectedFile = path.join(EXPECTED_DIR, `${name}.json`);
      if (update) fs.writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n');
      assert.ok(fs.existsSync(expectedFile), `no expected findings for ${name}: review the bytes, then run with WIRELENS_UPDATE_EXPECTED=1`);
      assert.deepEqual(actual, JSON.parse(fs.readFileSync(expectedFile, 'utf8')));
    });
  }
});
