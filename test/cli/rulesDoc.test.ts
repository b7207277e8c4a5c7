/** docs/rules.md is generated from the catalogue; this fails when someone forgot `npm run docs`. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../unit/helpers';

describe('docs/rules.md', () => {
  it('is what `wirelens rules --format markdown` prints now (run `npm run docs` to update)', () => {
    const generated = execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin/wirelens'), 'rules', '--format', 'markdown'], { encoding: 'utf8' });
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'docs/rules.md'), 'utf8');
    assert.ok(generated.includes('## `duplicate-transfer-encoding`'));
    assert.equal(committed, generated);
  });
});
