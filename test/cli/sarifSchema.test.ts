/**
 * `wirelens analyze --format sarif` validated against the official SARIF 2.1.0 JSON schema,
 * as shipped by Microsoft's @microsoft/jest-sarif package (lib/schemas/sarif-2.1.0-rtm.5.json,
 * MIT). The schema is draft-04, which ajv 6 validates natively.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import Ajv from 'ajv';
import { allCaptures, REPO_ROOT } from '../unit/helpers';

const schema = require(path.join(REPO_ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
const draft04 = require(path.join(REPO_ROOT, 'node_modules/ajv/lib/refs/json-schema-draft-04.json'));

function sarifOf(file: string): unknown {
  try {
    return JSON.parse(execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin/wirelens'), 'analyze', file, '--format', 'sarif'], { encoding: 'utf8' }));
  } catch (error) {
    const failed = error as { status?: number; stdout?: string };
    if (failed.status === 1 && failed.stdout) return JSON.parse(failed.stdout); // 1 = findings
    throw error;
  }
}

describe('SARIF output', () => {
  const ajv = new Ajv({ schemaId: 'id', allErrors: true });
  ajv.addMetaSchema(draft04);
  const validate = ajv.compile(schema);

  it('the validator rejects a log that breaks the schema (so passing means something)', () => {
    assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), false);
  });

  for (const file of allCaptures()) {
    it(`is valid SARIF 2.1.0 for ${path.basename(file)}`, () => {
      const log = sarifOf(file) as { runs: { tool: { driver: { rules: { id: string; helpUri: string }[] } }; results: { ruleId: string }[] }[] };
      const valid = validate(log);
      assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 3), null, 2));
      const rules = log.runs[0].tool.driver.rules;
      assert.ok(rules.every((rule) => /^https:\/\/www\.rfc-editor\.org\/rfc\/rfc\d+#section-/.test(rule.helpUri)), 'every rule links its RFC section');
      for (const result of log.runs[0].results) assert.ok(rules.some((rule) => rule.id === result.ruleId), `${result.ruleId} is described`);
    });
  }
});
