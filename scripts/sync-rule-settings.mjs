// Writes the `wirelens.rules` setting's schema in package.json from the rule catalogue
// (`wirelens rules --format json`): one property per rule id, so settings.json completes ids
// and values and flags unknown ones. Run by `npm run docs`; test/unit/lsp/ruleOverrides.test.ts
// fails when package.json and the catalogue differ.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const { rules } = JSON.parse(execFileSync(process.execPath, ['bin/wirelens', 'rules', '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const setting = manifest.contributes.configuration.properties['wirelens.rules'];
setting.properties = Object.fromEntries(
  rules.map((rule) => [
    rule.id,
    {
      type: 'string',
      enum: ['off', 'error', 'warning', 'info'],
      markdownDescription: `${rule.title} (${rule.rfc.document} §${rule.rfc.section}; default: ${rule.severity}).`,
    },
  ]),
);
fs.writeFileSync('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wirelens.rules: ${rules.length} rule ids written to package.json`);
