/**
 * The real `wirelens` CLI (bin/wirelens → dist/cli.js, built by `node esbuild.mjs`) run as a
 * child process on the sample captures, with the real tshark.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding, RuleInfo } from '../../protocol/model';
import { ALL_RULES } from '../../server/src/rules';
import { REPO_ROOT, sample, text, tsharkFollowRaw } from '../unit/helpers';
import { assertNoStack, runWirelens } from './runWirelens';

const wirelens = (...args: string[]) => runWirelens(args, { maxBuffer: 16 * 1024 * 1024 });

/** No stack frames ("    at f (file:1:2)") anywhere in what a user sees. */
describe('wirelens CLI', () => {
  let tmp: string;

  before(() => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is missing: build it with `node esbuild.mjs`');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-cli-'));
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('analyze --format json', () => {
    it('incident-wrong: exit 1, one duplicate-transfer-encoding finding on a Transfer-Encoding line of the response', async () => {
      const file = sample('incident-wrong.pcapng');
      const run = await wirelens('analyze', file, '--format', 'json');
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, '');
      const { summary, findings } = JSON.parse(run.stdout) as { summary: { findings: number; conversations: number }; findings: Finding[] };
      assert.equal(findings.length, 1);
      assert.equal(summary.findings, 1);
      const [finding] = findings;
      assert.equal(finding.ruleId, 'duplicate-transfer-encoding');
      assert.equal(finding.severity, 'error');
      assert.equal(finding.stream, 0);
      assert.equal(finding.direction, 'server-to-client');
      assert.equal(finding.frame, 6);

      // Check the location against tshark's own reassembly of the server's bytes.
      const followed = tsharkFollowRaw(file, 0);
      const serverBytes = new Uint8Array(followed.fromNode1);
      assert.ok(text(serverBytes).startsWith('HTTP/1.1 200 OK\r\n'), 'node 1 of the follow output is the server');
      const line = text(serverBytes, finding.offset, finding.length);
      assert.match(line, /^transfer-encoding: *chunked$/i);
      assert.equal(text(serverBytes, finding.offset - 2, 2), '\r\n', 'starts at a line start');
      assert.equal(text(serverBytes, finding.offset + finding.length, 2), '\r\n', 'ends at the line end');
      const headerEnd = text(serverBytes).indexOf('\r\n\r\n');
      assert.ok(finding.offset < headerEnd, 'inside the response header section');
      assert.equal(finding.related?.length, 1);
      assert.match(text(serverBytes, finding.related![0].offset, finding.related![0].length), /^transfer-encoding: *chunked$/i);
      assert.notEqual(finding.related![0].offset, finding.offset);
    });

    it('incident-correct: exit 0, no findings', async () => {
      const run = await wirelens('analyze', sample('incident-correct.pcapng'), '--format', 'json');
      assert.equal(run.code, 0, run.stderr);
      const parsed = JSON.parse(run.stdout) as { summary: { findings: number; conversations: number; packets: number }; findings: Finding[] };
      assert.deepEqual(parsed.findings, []);
      assert.equal(parsed.summary.findings, 0);
      assert.equal(parsed.summary.conversations, 1);
      assert.ok(parsed.summary.packets > 0);
    });

    it('cl-and-te: exit 1, one cl-and-te finding', async () => {
      const run = await wirelens('analyze', sample('cl-and-te.pcapng'), '--format=json');
      assert.equal(run.code, 1, run.stderr);
      const { findings } = JSON.parse(run.stdout) as { findings: Finding[] };
      assert.deepEqual(findings.map((f) => [f.ruleId, f.direction]), [['cl-and-te', 'server-to-client']]);
    });
  });

  describe('analyze --format text', () => {
    it('shows location, message and rule, then the line with a caret marker under the range', async () => {
      const file = sample('incident-wrong.pcapng');
      const run = await wirelens('analyze', file);
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stdout.split('\n');
      assert.match(lines[0], /^.*incident-wrong\.pcapng:stream 0:server-to-client\+\d+ \(frame 6\): error: .*\[duplicate-transfer-encoding\]$/);
      assert.equal(lines[1], '    transfer-encoding: chunked');
      assert.equal(lines[2], `    ${'^'.repeat('transfer-encoding: chunked'.length)}`);
      assert.match(run.stdout, /^1 finding in 1 of 1 TCP conversation \(10 TCP packets, tshark \d+\.\d+\.\d+\)\.$/m);
    });

    it('no findings: only the summary line', async () => {
      const run = await wirelens('analyze', sample('incident-correct.pcapng'), '--format', 'text');
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^0 findings in 0 of 1 TCP conversation \(\d+ TCP packets, tshark [\d.]+\)\.\n$/);
    });
  });

  describe('analyze --format sarif', () => {
    it('SARIF 2.1.0 with results pointing at catalogue rules that carry helpUri', async () => {
      const run = await wirelens('analyze', sample('incident-wrong.pcapng'), '--format', 'sarif');
      assert.equal(run.code, 1, run.stderr);
      const sarif = JSON.parse(run.stdout) as {
        version: string;
        runs: {
          tool: { driver: { name: string; rules: { id: string; helpUri: string; shortDescription: { text: string } }[] } };
          results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; properties: { frame: number } }[];
        }[];
      };
      assert.equal(sarif.version, '2.1.0');
      assert.equal(sarif.runs.length, 1);
      const [runResult] = sarif.runs;
      const rules = runResult.tool.driver.rules;
      assert.deepEqual(rules.map((r) => r.id).sort(), ALL_RULES.map((r) => r.id).sort());
      for (const rule of rules) {
        assert.match(rule.helpUri, /^https:\/\/www\.rfc-editor\.org\/rfc\/rfc\d+#section-[\d.]+$/);
        assert.ok(rule.shortDescription.text.length > 0);
      }
      assert.equal(runResult.results.length, 1);
      const [result] = runResult.results;
      assert.equal(result.ruleId, 'duplicate-transfer-encoding');
      assert.equal(rules[result.ruleIndex].id, result.ruleId, 'ruleIndex points at the rule');
      assert.equal(result.level, 'error');
      assert.equal(result.properties.frame, 6);
    });
  });

  describe('errors: exit 2, one sentence on stderr, no stack trace', () => {
    it('missing file', async () => {
      const missing = path.join(tmp, 'does-not-exist.pcap');
      const run = await wirelens('analyze', missing);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      const stderrLines = run.stderr.trimEnd().split('\n');
      assert.equal(stderrLines.length, 1, run.stderr);
      assert.ok(stderrLines[0].includes(missing), run.stderr);
      assertNoStack(run);
    });

    it('a text file that is not a capture', async () => {
      const notes = path.join(tmp, 'notes.txt');
      fs.writeFileSync(notes, 'Meeting notes: the proxy returned 502 again on Tuesday.\n');
      const run = await wirelens('analyze', notes, '--format', 'json');
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `wirelens: ${notes} is not a capture file that tshark can read (pcap, pcapng, or another Wireshark format): it looks like text.\n`);
      assertNoStack(run);
    });

    it('a directory', async () => {
      const run = await wirelens('analyze', tmp);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `wirelens: ${tmp} is not a file.\n`);
    });

    it('tshark not found (--tshark pointing nowhere)', async () => {
      const run = await wirelens('analyze', sample('incident-wrong.pcapng'), '--tshark', path.join(tmp, 'no-tshark'));
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^wirelens: tshark was not found \(looked for ".*no-tshark"\)\. .*\n$/);
      assertNoStack(run);
    });

    it('usage errors: unknown format, unknown command, unknown option', async () => {
      for (const args of [
        ['analyze', sample('incident-wrong.pcapng'), '--format', 'xml'],
        ['frobnicate'],
        ['analyze', '--verbose', sample('incident-wrong.pcapng')],
        ['analyze'],
      ]) {
        const run = await wirelens(...args);
        assert.equal(run.code, 2, args.join(' '));
        assert.match(run.stderr, /^wirelens: .+\nUsage:\n/, args.join(' '));
        assertNoStack(run);
      }
      const elsewhere = await wirelens('follow', sample('incident-wrong.pcapng'), '0', '--config', path.join(tmp, 'off.json'));
      assert.equal(elsewhere.code, 2);
      assert.match(elsewhere.stderr, /--config applies to analyze only/);
    });
  });

  describe('analyze --config: the editor’s wirelens.rules from a settings.json', () => {
    const settings = (name: string, text: string) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, text);
      return file;
    };

    it('a rule turned off: no finding, exit 0; comments and trailing commas are allowed (settings.json is JSONC)', async () => {
      // With a byte-order mark, as some editors save it.
      const config = settings('off.json', `\uFEFF{
        // The team accepts this one for now.
        "editor.tabSize": 2,
        "wirelens.rules": { "duplicate-transfer-encoding": "off", },
      }`);
      const run = await wirelens('analyze', sample('incident-wrong.pcapng'), '--config', config, '--format', 'json');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const { summary, findings } = JSON.parse(run.stdout) as { summary: { findings: number }; findings: Finding[] };
      assert.deepEqual([findings.length, summary.findings], [0, 0]);
    });

    it('another severity: the finding keeps its place with the new severity, in JSON and SARIF (level)', async () => {
      const config = settings('info.json', '{ "wirelens.rules": { "duplicate-transfer-encoding": "info" } }');
      const json = await wirelens('analyze', sample('incident-wrong.pcapng'), '--config', config, '--format', 'json');
      assert.equal(json.code, 1, 'a finding is still a finding');
      const [finding] = (JSON.parse(json.stdout) as { findings: Finding[] }).findings;
      assert.deepEqual([finding.ruleId, finding.severity, finding.frame], ['duplicate-transfer-encoding', 'info', 6]);
      const sarif = await wirelens('analyze', sample('incident-wrong.pcapng'), `--config=${config}`, '--format', 'sarif');
      const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; level: string }[] }[] }).runs[0].results;
      assert.deepEqual(results.map((r) => [r.ruleId, r.level]), [['duplicate-transfer-encoding', 'note']]);
      const text = await wirelens('analyze', sample('incident-wrong.pcapng'), '--config', config);
      assert.match(text.stdout, /info: .*\[duplicate-transfer-encoding\]/);
    });

    it('what the editor would ignore is ignored with a warning: an unknown rule id, an unknown value, no setting', async () => {
      const config = settings('odd.json', '{ "wirelens.rules": { "no-such-rule": "off", "cl-and-te": "loud", "duplicate-transfer-encoding": "warning" } }');
      const run = await wirelens('analyze', sample('incident-wrong.pcapng'), '--config', config, '--format', 'json');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^wirelens: warning: .*names no rule "no-such-rule"/m);
      assert.match(run.stderr, /^wirelens: warning: .*sets cl-and-te to "loud", not one of off, error, warning, info: ignored\.$/m);
      assert.equal((JSON.parse(run.stdout) as { findings: Finding[] }).findings[0].severity, 'warning', 'the valid entry applies');
      const none = await wirelens('analyze', sample('incident-wrong.pcapng'), '--config', settings('none.json', '{ "editor.tabSize": 2 }'));
      assert.equal(none.code, 1);
      assert.match(none.stderr, /has no "wirelens\.rules" setting: every rule keeps its default severity/);
    });

    it('a missing or broken config: exit 2, one sentence naming the file (and the line), no analysis', async () => {
      for (const [config, expected] of [
        [path.join(tmp, 'missing.json'), /^wirelens: The config file .*missing\.json does not exist\.$/m],
        [settings('broken.json', '{\n  "wirelens.rules": {\n    "cl-and-te": "off"\n  \n'), /^wirelens: The config file .*broken\.json is not valid JSON: .* on line \d+\.$/m],
        [settings('array.json', '[1, 2]'), /must hold a JSON object/],
      ] as const) {
        const run = await wirelens('analyze', sample('incident-wrong.pcapng'), '--config', config);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, expected);
        assert.equal(run.stdout, '');
        assertNoStack(run);
      }
    });
  });

  describe('rules', () => {
    it('--format json lists every rule with verdicts that say implementation and source', async () => {
      const run = await wirelens('rules', '--format', 'json');
      assert.equal(run.code, 0, run.stderr);
      const { rules } = JSON.parse(run.stdout) as { rules: RuleInfo[] };
      assert.deepEqual(rules.map((r) => r.id).sort(), ALL_RULES.map((r) => r.id).sort());
      for (const rule of rules) {
        // Only TCP-level rules (RFC 9293) may have no proxy verdict: proxies never see the segments.
        assert.ok(rule.verdicts.length > 0 || rule.rfc.document === 'RFC 9293', rule.id);
        assert.ok(!('check' in rule), 'no functions in the catalogue output');
        for (const verdict of rule.verdicts) {
          assert.ok(['envoy', 'nginx', 'haproxy', 'node', 'go', 'curl'].includes(verdict.implementation), verdict.implementation);
          assert.ok(['cited', 'observed', 'measured'].includes(verdict.source), verdict.source);
          assert.ok(verdict.reference.length > 0);
        }
      }
    });

    it('text format: one line per rule, verdicts indented', async () => {
      const run = await wirelens('rules');
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^duplicate-transfer-encoding \(error\) — .* \[RFC 9112 §6\.1\]$/m);
      assert.match(run.stdout, /^ {4}envoy: reject — /m);
    });
  });
});
