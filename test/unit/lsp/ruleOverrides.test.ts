import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../../../protocol/model';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { toDiagnostics } from '../../../server/src/lsp/diagnostics';
import { overrideDiagnostics, withOverriddenCounts } from '../../../server/src/lsp/ruleOverrides';
import { applyRuleOverrides, parseRuleOverrides } from '../../../server/src/rules/ruleSettings';
import { ruleInfos } from '../../../server/src/rules';
import { REPO_ROOT, sample } from '../helpers';
import { DiagnosticSeverity } from 'vscode-languageserver';

const finding = (ruleId: string, severity: Finding['severity']): Finding => ({
  ruleId,
  severity,
  message: ruleId,
  stream: 0,
  direction: 'server-to-client',
  offset: 0,
  length: 1,
  frame: 1,
});

describe('rule overrides (wirelens.rules)', () => {
  it('parses only known settings; anything else in the object is ignored', () => {
    const overrides = parseRuleOverrides({ 'obs-fold': 'error', 'tcp-zero-window': 'off', 'bare-lf': 'loud', 'bare-cr': 3 });
    assert.deepEqual([...overrides], [['obs-fold', 'error'], ['tcp-zero-window', 'off']]);
    for (const value of [undefined, null, 'off', ['off'], 7]) assert.equal(parseRuleOverrides(value).size, 0);
  });

  it('"off" drops a rule\'s findings, a severity replaces the default, other rules pass unchanged', () => {
    const findings = [finding('obs-fold', 'warning'), finding('tcp-zero-window', 'info'), finding('bare-lf', 'error')];
    const result = applyRuleOverrides(findings, parseRuleOverrides({ 'obs-fold': 'error', 'tcp-zero-window': 'off' }));
    assert.deepEqual(result.map((f) => [f.ruleId, f.severity]), [['obs-fold', 'error'], ['bare-lf', 'error']]);
    assert.equal(result[1], findings[2], 'untouched findings are the same objects');
    assert.equal(applyRuleOverrides(findings, new Map()), findings);
  });

  it('conversation rows count only the findings of rules that are on', async () => {
    const analysis = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const page = { total: 1, start: 0, rows: analysis.conversations };
    assert.deepEqual(withOverriddenCounts(page, analysis.findings, parseRuleOverrides({ 'duplicate-transfer-encoding': 'off' })).rows.map((r) => r.findingCount), [0]);
    assert.deepEqual(withOverriddenCounts(page, analysis.findings, parseRuleOverrides({ 'duplicate-transfer-encoding': 'warning' })).rows.map((r) => r.findingCount), [1]);
    assert.equal(withOverriddenCounts(page, analysis.findings, new Map()), page);
  });

  it('on the incident: "warning" makes the diagnostic a warning, "off" leaves none', async () => {
    const stream = (await analyzeCaptureFile(sample('incident-wrong.pcapng'))).streams.get(0)!;
    const rendered = renderStreamDocument(sample('incident-wrong.pcapng'), 'http', stream);
    const diagnose = (rules: unknown) => toDiagnostics('wirelens-stream:/x/stream-0.http', rendered, applyRuleOverrides(stream.findings, parseRuleOverrides(rules)));
    assert.deepEqual(diagnose({ 'duplicate-transfer-encoding': 'warning' }).map((d) => d.severity), [DiagnosticSeverity.Warning]);
    assert.deepEqual(diagnose({ 'duplicate-transfer-encoding': 'off' }), []);
    assert.deepEqual(diagnose({}).map((d) => d.severity), [DiagnosticSeverity.Error]);
  });

  it('diagnostics made before the setting was read (live captures) get the same treatment', async () => {
    const stream = (await analyzeCaptureFile(sample('incident-wrong.pcapng'))).streams.get(0)!;
    const diagnostics = toDiagnostics('wirelens-stream:/x/stream-0.http', renderStreamDocument(sample('incident-wrong.pcapng'), 'http', stream), stream.findings);
    assert.deepEqual(overrideDiagnostics(diagnostics, parseRuleOverrides({ 'duplicate-transfer-encoding': 'info' })).map((d) => d.severity), [DiagnosticSeverity.Information]);
    assert.deepEqual(overrideDiagnostics(diagnostics, parseRuleOverrides({ 'duplicate-transfer-encoding': 'off' })), []);
    assert.deepEqual(overrideDiagnostics(diagnostics, parseRuleOverrides({ 'bare-lf': 'off' })), diagnostics);
  });

  it('package.json declares one wirelens.rules property per catalogue rule (npm run docs writes them)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const setting = manifest.contributes.configuration.properties['wirelens.rules'];
    const declared = Object.keys(setting.properties).sort();
    assert.deepEqual(declared, ruleInfos().map((rule) => rule.id).sort(), 'run `npm run docs` to regenerate the schema');
    for (const property of Object.values<{ enum: string[] }>(setting.properties)) assert.deepEqual(property.enum, ['off', 'error', 'warning', 'info']);
    assert.equal(setting.additionalProperties, false);
  });
});
