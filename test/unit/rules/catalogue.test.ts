/**
 * The catalogue as a whole: every rule is data that is complete and consistent, lives in its
 * own file named by its id, has its own test file, and its documented example really fires it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_RULES } from '../../../server/src/rules';
import { REPO_ROOT } from '../helpers';
import { runRule } from './ruleTestKit';

describe('rule catalogue', () => {
  it('has unique kebab-case ids', () => {
    const ids = ALL_RULES.map((rule) => rule.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  for (const rule of ALL_RULES) {
    describe(rule.id, () => {
      it('lives in server/src/rules/<id>.ts with a test file beside the others', () => {
        assert.ok(fs.existsSync(path.join(REPO_ROOT, 'server/src/rules', `${rule.id}.ts`)));
        assert.ok(fs.existsSync(path.join(REPO_ROOT, 'test/unit/rules', `${rule.id}.test.ts`)));
      });

      it('names its RFC section with a link and explains itself', () => {
        assert.match(rule.rfc.url, /^https:\/\/www\.rfc-editor\.org\/rfc\/rfc(9110|9112|9113|9293)#section-[\d.]+$/);
        assert.ok(rule.rfc.url.includes(rule.rfc.section), `${rule.rfc.url} points at §${rule.rfc.section}`);
        assert.ok(rule.title.length > 10 && rule.description.length > 80);
      });

      it('says how each verdict is known', () => {
        for (const verdict of rule.verdicts) {
          assert.ok(['cited', 'observed', 'measured'].includes(verdict.source));
          assert.ok(verdict.reference.length > 10, `${verdict.implementation}: reference names a source`);
        }
      });

      if (rule.scope === 'message') {
        it('fires on its documented example', () => {
          assert.ok(rule.example, 'message rules document an example message');
          const findings = runRule(rule, rule.example);
          assert.ok(findings.some((finding) => finding.ruleId === rule.id), `example does not trigger ${rule.id}`);
        });
      }
    });
  }
});
