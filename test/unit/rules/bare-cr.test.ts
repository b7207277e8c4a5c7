import * as assert from 'node:assert/strict';
import { bareCr as rule } from '../../../server/src/rules/bare-cr';
import { assertMessageSays, assertQuotesEscaped, coveredText, itDoesNotFire, onlyFinding } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

/** Offsets of every CR in `text` not followed by LF. */
function bareCrs(text: string): number[] {
  return [...text].flatMap((char, i) => (char === '\r' && text[i + 1] !== '\n' ? [i] : []));
}

const FIRING: readonly { name: string; exchange: Exchange; says: readonly string[] }[] = [
  {
    name: 'a CR used as a line break inside a field line (header injection)',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: example.com\r\nX-Note: a\rTransfer-Encoding: chunked\r\n\r\n' },
    says: ['A CR not followed by LF', 'the field line "X-Note: a\\rTransfer-Encoding: chunked"', 'Envoy deletes the CR'],
  },
  {
    name: 'a CR just before CRLF ("\\r\\r\\n") at the end of a status line',
    exchange: { response: 'HTTP/1.1 200 OK\r\r\nContent-Length: 0\r\n\r\n' },
    says: ['the start line "HTTP/1.1 200 OK\\r"'],
  },
  {
    name: 'in the request line and two field lines: one finding, the others related',
    exchange: { request: 'GET /a\rb HTTP/1.1\r\nHost: h\r\nX-A: 1\r2\r3\r\n\r\n' },
    says: ['3 CRs in this request', 'the start line'],
  },
  {
    name: 'in an obs-fold continuation line',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r3\r\n\r\n' },
    says: ['the obs-fold continuation line'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'CRLF line ends only', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', response: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' } },
  { name: 'bare LF line ends (bare-lf reports those)', exchange: { request: 'GET / HTTP/1.1\nHost: h\n\n' } },
  { name: 'a CR inside a Content-Length body', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\rb' } },
  { name: 'a CR in a trailer value (invalid-trailer reports it)', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\rb\r\n\r\n' } },
  { name: 'a CR inside chunk data', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na\rb\r\n0\r\n\r\n' } },
];

describe('rule bare-cr', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = onlyFinding(rule, c.exchange);
      const text = c.exchange.request ?? c.exchange.response ?? '';
      assert.equal(coveredText(c.exchange, finding), '\r');
      assert.deepEqual([finding, ...(finding.related ?? [])].map((r) => [r.offset, r.length]), bareCrs(text).map((at) => [at, 1]));
      assertMessageSays(finding, c.says);
      assert.equal(finding.severity, 'error');
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-A: \x1b[2J\r\xe2\x80\xae\r\n\r\n' }, 'X-A: \\x1b[2J\\r\\xe2\\x80\\xae');
  });

  it('carries catalogue data: RFC 9112 §2.2 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['bare-cr', 'error', 'RFC 9112', '2.2']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'accept-with-rewrite', 'cited']]);
  });
});
