/**
 * The measured verdicts (server/src/rules/verdicts.generated.json, written by `npm run verdicts`)
 * as the catalogue serves them: well-formed, merged into every rule the harness covers, shown in
 * the hover, and the docs table generated from them is current. No proxy runs here: the quick
 * measurement is test/verdicts/quick.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding, Verdict } from '../../../protocol/model';
import { hoverMarkdown } from '../../../server/src/lsp/hover';
import { ALL_RULES, ruleById, ruleInfos } from '../../../server/src/rules';
import { TcpFlag } from '../../../server/src/tshark/tcpSegment';
import { leftOut, verdictCases } from '../../verdicts/cases';
import type { GeneratedVerdicts } from '../../verdicts/harness';
import { committedTable, verdictTable } from '../../verdicts/table';
import { REPO_ROOT } from '../helpers';
import { connectionOf, runRuleOn, type SegmentSpec } from './ruleTestKit';

const MEASURED = ['nginx', 'haproxy', 'node', 'go', 'curl'];
const generated = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'server/src/rules/verdicts.generated.json'), 'utf8')) as GeneratedVerdicts;

describe('measured verdicts', () => {
  it('are well-formed: a known rule, a measured implementation, its version and the date, once per implementation', () => {
    for (const [ruleId, verdicts] of Object.entries(generated.verdicts)) {
      assert.ok(ruleById(ruleId), `${ruleId} is in the catalogue`);
      assert.deepEqual(new Set(verdicts.map((v) => v.implementation)).size, verdicts.length, `${ruleId}: one verdict per implementation`);
      for (const verdict of verdicts) {
        assert.ok(MEASURED.includes(verdict.implementation), verdict.implementation);
        assert.equal(verdict.source, 'measured');
        assert.ok(['reject', 'accept', 'accept-with-rewrite'].includes(verdict.outcome));
        assert.match(verdict.date ?? '', /^\d{4}-\d\d-\d\d$/);
        assert.ok(verdict.version, `${ruleId} × ${verdict.implementation}: version`);
        assert.ok(verdict.reference.includes(verdict.date!) && verdict.reference.includes('npm run verdicts'), verdict.reference);
        assert.ok(verdict.summary.length > 10 && !verdict.summary.includes('|'), `${ruleId} × ${verdict.implementation}: a summary that fits a table cell`);
        assert.doesNotMatch(verdict.summary, /127\.0\.0\.1:\d/, 'no ports (they change every run)');
      }
    }
  });

  it('cover at least 15 rules with all five implementations (75+ verdicts)', () => {
    const full = Object.values(generated.verdicts).filter((list) => MEASURED.every((i) => list.some((v) => v.implementation === i)));
    assert.ok(full.length >= 15, `${full.length} rules with all five`);
    assert.ok(Object.values(generated.verdicts).flat().length >= 75);
    for (const implementation of MEASURED) assert.ok(generated.implementations[implementation as 'nginx'], `${implementation} version recorded`);
  });

  it('cover every rule the harness runs, and every other rule is left out with a reason', () => {
    const cases = verdictCases().map((c) => c.ruleId);
    assert.deepEqual(Object.keys(generated.verdicts).sort(), [...cases].sort(), 'run npm run verdicts');
    const skipped = leftOut();
    for (const rule of ALL_RULES) assert.ok(cases.includes(rule.id) !== rule.id in skipped, `${rule.id}: either measured or left out`);
  });

  it('the examples the harness sends break their rules, with the origin closing (or stalling) as it does', () => {
    for (const testCase of verdictCases()) {
      const rule = ruleById(testCase.ruleId)!;
      const script: SegmentSpec[] = [{ from: 'client', data: testCase.request }];
      if (testCase.response !== undefined) script.push({ from: 'server', data: testCase.response });
      if (testCase.side === 'response' && testCase.originEnd === 'close') script.push({ from: 'server', flags: TcpFlag.FIN | TcpFlag.ACK });
      const findings = runRuleOn(rule, connectionOf(script));
      assert.ok(findings.some((f) => f.ruleId === rule.id), `${rule.id}: the harness's bytes do not trigger it`);
    }
  });

  it('are merged into the catalogue: measured replaces observed for the same implementation, cited stays', () => {
    for (const info of ruleInfos()) {
      const measured = generated.verdicts[info.id] ?? [];
      for (const verdict of measured) assert.ok(info.verdicts.some((v) => v.source === 'measured' && v.implementation === verdict.implementation && v.summary === verdict.summary));
      for (const verdict of info.verdicts.filter((v) => v.source === 'observed')) {
        assert.ok(!measured.some((m) => m.implementation === verdict.implementation), `${info.id}: observed ${verdict.implementation} should give way to the measured one`);
      }
    }
    const incident = ruleById('duplicate-transfer-encoding')!;
    assert.deepEqual(
      incident.verdicts.map((v: Verdict) => `${v.implementation}/${v.source}`),
      ['envoy/cited', 'nginx/measured', 'haproxy/measured', 'node/measured', 'go/measured', 'curl/measured'],
    );
  });

  it('the incident\'s hover shows nginx, HAProxy, Node, Go and curl measured, and Envoy\'s 502 UPE cited', () => {
    const finding: Finding = { ruleId: 'duplicate-transfer-encoding', severity: 'error', message: 'Transfer-Encoding appears 2 times', stream: 0, direction: 'server-to-client', offset: 17, length: 26, frame: 6 };
    const markdown = hoverMarkdown(finding);
    for (const name of ['nginx', 'HAProxy', 'Node.js \\(llhttp\\)', 'Go net/http', 'curl']) {
      assert.match(markdown, new RegExp(`^\\| ${name} \\| \\*\\*(reject|accept|accept-with-rewrite)\\*\\* — [^|]+ \\| measured: [^|]*\\d{4}-\\d\\d-\\d\\d`, 'm'), name);
    }
    assert.match(markdown, /^\| Envoy \(Istio\) \| \*\*reject\*\* — [^|]*502[^|]*UPE[^|]*upstream_reset_before_response_started\{protocol_error\}[^|]* \| cited: [^|]*codec_impl\.cc/m);
  });

  it('docs/verdicts.md has the table of the committed file (npm run verdicts writes both; `node out/test/verdicts/runVerdicts.js --table` only the table)', () => {
    assert.equal(committedTable(), verdictTable(generated));
  });
});
