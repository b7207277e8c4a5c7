import * as assert from 'node:assert/strict';
import { invalidHeaderName as rule } from '../../../server/src/rules/invalid-header-name';
import { UNSAFE_CHARS } from '../helpers';
import { coveredText, itDoesNotFire, runRule } from './ruleTestKit';

type Exchange = { request?: string; response?: string };
const req = (fields: string) => ({ request: `GET / HTTP/1.1\r\nHost: example.com\r\n${fields}\r\n` });

const FIRING: readonly { name: string; exchange: Exchange; covers: readonly string[]; says: readonly string[] }[] = [
  { name: 'a parenthesis', exchange: req('X-Forwarded(For): 10.0.0.1\r\n'), covers: ['X-Forwarded(For): 10.0.0.1'], says: ['"X-Forwarded(For)"', '"(", ")" are not allowed', 'http1.codec_error'] },
  { name: '"@" and "/"', exchange: req('a@b/c: 1\r\n'), covers: ['a@b/c: 1'], says: ['"@", "/" are'] },
  { name: 'a double quote', exchange: req('X-"Q": 1\r\n'), covers: ['X-"Q": 1'], says: [`'"' is not allowed`] },
  { name: 'a space inside the name', exchange: req('X Y: 1\r\n'), covers: ['X Y: 1'], says: ['" " is not allowed'] },
  {
    name: 'control bytes: Envoy answers http1.invalid_characters',
    exchange: req('X-\x01A\x7f: 1\r\n'),
    covers: ['X-\x01A\x7f: 1'],
    says: ['"\\x01", "\\x7f" are not allowed', 'http1.invalid_characters'],
  },
  { name: 'NUL', exchange: req('X\x00: 1\r\n'), covers: ['X\x00: 1'], says: ['"\\x00"'] },
  { name: 'obs-text (a byte >= 0x80)', exchange: req('X-\xe9t\xe9: 1\r\n'), covers: ['X-\xe9t\xe9: 1'], says: ['"\\xe9" is not allowed'] },
  { name: 'an empty name', exchange: req(': orphan\r\n'), covers: [': orphan'], says: ['empty name'] },
  {
    name: 'the first field line starts with whitespace (RFC 9112 §2.2)',
    exchange: { request: 'GET / HTTP/1.1\r\n Host: example.com\r\nAccept: */*\r\n\r\n' },
    covers: [' Host: example.com'],
    says: ['first field line starts with whitespace'],
  },
  {
    name: 'in a response, one finding per field line, 502 UPE (the trailer is invalid-trailer\'s)',
    exchange: { response: 'HTTP/1.1 200 OK\r\nSet/Cookie: a=1\r\nX@Y: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX[T]: 1\r\n\r\n' },
    covers: ['Set/Cookie: a=1', 'X@Y: 2'],
    says: ['502 UPE'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'every tchar', exchange: req("!#$%&'*+-.^_`|~09azAZ: 1\r\n") },
  { name: 'underscores are token characters (Envoy and nginx treat them by configuration)', exchange: req('X_Custom_Header: 1\r\n') },
  { name: 'whitespace before the colon (space-before-colon reports that)', exchange: req('X-A : 1\r\n') },
  { name: 'odd bytes in the value, not the name', exchange: req('X-A: (a@b/"c")\xe9\r\n') },
  { name: 'a colon-less line is not a field line', exchange: req('not a field line\r\n') },
  { name: 'an obs-fold continuation is not a name', exchange: req('X-A: 1\r\n (b): 2\r\n') },
];

describe('rule invalid-header-name', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const findings = runRule(rule, c.exchange);
      assert.deepEqual(findings.map((f) => coveredText(c.exchange, f)), c.covers);
      for (const words of c.says) assert.ok(findings.some((f) => f.message.includes(words)), `"${words}" missing from: ${findings.map((f) => f.message).join(' | ')}`);
      for (const finding of findings) assert.doesNotMatch(finding.message, UNSAFE_CHARS);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('names underscores in its description without reporting them', () => {
    assert.match(rule.description, /underscore/i);
    assert.match(rule.description, /headers_with_underscores_action/);
  });

  it('carries catalogue data: RFC 9110 §5.1 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['invalid-header-name', 'error', 'RFC 9110', '5.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
