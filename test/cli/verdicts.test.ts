/**
 * Measured verdicts as the CLI shows them: `wirelens rules` (json and text) and the SARIF rule
 * properties carry the harness's verdicts next to the cited ones, for the incident's rule first.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { RuleInfo } from '../../protocol/model';
import { REPO_ROOT, sample } from '../unit/helpers';

const BIN = path.join(REPO_ROOT, 'bin', 'wirelens');

function wirelens(...args: string[]): string {
  try {
    return execFileSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    // `analyze` exits 1 when it finds something: its output is still what we want.
    const out = (error as { stdout?: string; status?: number }).stdout;
    if (out && (error as { status?: number }).status === 1) return out;
    throw error;
  }
}

describe('wirelens and the measured verdicts', () => {
  it('rules --format json: every verdict says its implementation and how it is known; the incident has all six', () => {
    const { rules } = JSON.parse(wirelens('rules', '--format', 'json')) as { rules: RuleInfo[] };
    const incident = rules.find((rule) => rule.id === 'duplicate-transfer-encoding')!;
    assert.deepEqual(
      incident.verdicts.map((v) => [v.implementation, v.source]),
      [
        ['envoy', 'cited'],
        ['nginx', 'measured'],
        ['haproxy', 'measured'],
        ['node', 'measured'],
        ['go', 'measured'],
        ['curl', 'measured'],
      ],
    );
    for (const verdict of rules.flatMap((rule) => rule.verdicts)) {
      if (verdict.source !== 'measured') continue;
      assert.ok(verdict.version && verdict.date, `${verdict.implementation}: version and date`);
    }
    const envoy = incident.verdicts[0];
    assert.match(envoy.summary, /502.*UPE.*upstream_reset_before_response_started\{protocol_error\}/);
    assert.match(envoy.reference, /codec_impl\.cc ConnectionImpl::onHeadersCompleteImpl/);
  });

  it('rules (text): the incident lists nginx, HAProxy, Node, Go and curl as measured', () => {
    const text = wirelens('rules');
    const section = text.slice(text.indexOf('duplicate-transfer-encoding'), text.indexOf('\n', text.indexOf('    curl:', text.indexOf('duplicate-transfer-encoding'))));
    for (const implementation of ['nginx', 'haproxy', 'node', 'go', 'curl']) assert.match(section, new RegExp(`^ {4}${implementation}: .*\\(measured\\)$`, 'm'), implementation);
    assert.match(section, /^ {4}envoy: reject — .*\(cited\)$/m);
  });

  it('analyze --format sarif: rule properties carry the measured verdicts', () => {
    const sarif = JSON.parse(wirelens('analyze', sample('incident-wrong.pcapng'), '--format', 'sarif')) as {
      runs: { tool: { driver: { rules: { id: string; properties: { verdicts: { implementation: string; source: string }[] } }[] } } }[];
    };
    const rule = sarif.runs[0].tool.driver.rules.find((r) => r.id === 'duplicate-transfer-encoding')!;
    const measured = rule.properties.verdicts.filter((v) => v.source === 'measured').map((v) => v.implementation);
    assert.deepEqual(measured, ['nginx', 'haproxy', 'node', 'go', 'curl']);
  });
});
