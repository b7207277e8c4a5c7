import * as assert from 'node:assert/strict';
import { invalidHeaderValue as rule } from '../../../server/src/rules/invalid-header-value';
import { UNSAFE_CHARS } from '../helpers';
import { assertQuotesEscaped, coveredText, itDoesNotFire, runRule } from './ruleTestKit';

type Exchange = { request?: string; response?: string };
const req = (fields: string) => ({ request: `GET / HTTP/1.1\r\nHost: example.com\r\n${fields}\r\n` });

interface Firing {
  readonly name: string;
  readonly exchange: Exchange;
  /** Per finding: the bytes it and its related byte locations cover, and its field. */
  readonly findings: readonly { bytes: readonly string[]; field: string }[];
  readonly says: readonly string[];
}

const FIRING: readonly Firing[] = [
  {
    name: 'a NUL in a request value',
    exchange: req('X-User: alice\x00admin\r\n'),
    findings: [{ bytes: ['\x00'], field: 'X-User: alice\x00admin' }],
    says: ['NUL (0x00)', '400 http1.invalid_characters'],
  },
  {
    name: 'several control bytes and DEL in one value: one finding, the rest related',
    exchange: req('X-A: a\x01b\x1bc\x7f\r\n'),
    findings: [{ bytes: ['\x01', '\x1b', '\x7f'], field: 'X-A: a\x01b\x1bc\x7f' }],
    says: ['3 invalid bytes', 'control byte \\x01', 'DEL (0x7f)'],
  },
  {
    name: 'two fields of a response, one finding each',
    exchange: { response: 'HTTP/1.1 200 OK\r\nX-A: \x0b\r\nX-B: ok\r\nX-C: \x0c\r\nContent-Length: 0\r\n\r\n' },
    findings: [
      { bytes: ['\x0b'], field: 'X-A: \x0b' },
      { bytes: ['\x0c'], field: 'X-C: \x0c' },
    ],
    says: ['502 UPE'],
  },
  {
    name: 'in an obs-fold continuation line',
    exchange: req('X-A: 1\r\n 2\x00\r\n'),
    findings: [{ bytes: ['\x00'], field: 'X-A: 1\r\n 2\x00' }],
    says: ['NUL'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'HTAB and SP inside a value', exchange: req('X-A: a\tb c\t\r\n') },
  { name: 'obs-text (bytes >= 0x80) is allowed in values', exchange: req('X-A: caf\xe9 \xe2\x80\x94\r\n') },
  { name: 'a bare CR (bare-cr reports it, one finding per byte)', exchange: req('X-A: a\rb\r\n') },
  { name: 'control bytes in the name, not the value (invalid-header-name)', exchange: req('X-\x01: ok\r\n') },
  { name: 'NUL in a trailer field (invalid-trailer reports it)', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: \x00\r\n\r\n' } },
  { name: 'NUL in a body', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\x00b' } },
];

describe('rule invalid-header-value', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const findings = runRule(rule, c.exchange);
      assert.equal(findings.length, c.findings.length);
      findings.forEach((finding, i) => {
        const related = (finding.related ?? []).map((r) => coveredText(c.exchange, { ...r, direction: finding.direction }));
        assert.equal(finding.length, 1);
        assert.deepEqual([coveredText(c.exchange, finding), ...related.slice(1)], c.findings[i].bytes);
        assert.equal(related[0], c.findings[i].field);
        assert.doesNotMatch(finding.message, UNSAFE_CHARS);
      });
      for (const words of c.says) assert.ok(findings[0].message.includes(words), `"${words}" missing from: ${findings[0].message}`);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, req('X-A: \x1b]0;t\x07\xe2\x80\xae\r\n'), 'X-A: \\x1b]0;t\\x07\\xe2\\x80\\xae');
  });

  it('carries catalogue data: RFC 9110 §5.5 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['invalid-header-value', 'error', 'RFC 9110', '5.5']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
