import * as assert from 'node:assert/strict';
import { bareLf as rule } from '../../../server/src/rules/bare-lf';
import { assertMessageSays, assertQuotesEscaped, coveredText, itDoesNotFire, onlyFinding, runRule } from './ruleTestKit';

type Exchange = { request?: string; response?: string };

/** Index of the n-th (0-based) LF in `text` not preceded by CR. */
function bareLfAt(text: string, n: number): number {
  let seen = -1;
  for (let i = 0; i < text.length; i++) if (text[i] === '\n' && text[i - 1] !== '\r' && ++seen === n) return i;
  throw new Error(`no bare LF #${n}`);
}

interface Firing {
  readonly name: string;
  readonly exchange: Exchange;
  /** How many bare LFs the one finding accounts for (itself plus related). */
  readonly count: number;
  /** A bare LF ending a chunk-size line makes the finding an error. */
  readonly severity?: 'error';
  readonly says: readonly string[];
}

const FIRING: readonly Firing[] = [
  {
    name: 'HTTP-Evader 096: one field line ends in LF, the rest in CRLF',
    exchange: {
      response:
        'HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename="eicar.txt"\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n0\r\n\r\n',
    },
    count: 1,
    says: ['A line ends in a bare LF', 'the field line "Content-disposition: attachment; filename="eicar.txt""', 'Envoy does'],
  },
  {
    name: 'every line of a request, including the empty line that ends the headers',
    exchange: { request: 'GET / HTTP/1.1\nHost: a\nAccept: */*\n\n' },
    count: 4,
    says: ['4 lines of this request end in a bare LF', 'the first ends the start line "GET / HTTP/1.1"'],
  },
  {
    name: 'only the empty line ending the header section',
    exchange: { response: 'HTTP/1.1 204 No Content\r\nServer: x\r\n\n' },
    count: 1,
    says: ['the empty line ending the header section'],
  },
  {
    name: 'a chunk-size line: Envoy with a 2025 quiche rejects it',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n' },
    count: 1,
    severity: 'error',
    says: ['the chunk-size line "2"', 'March 2025'],
  },
  {
    name: 'chunk data end, trailer and final empty line',
    exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\n0\r\nX-T: 1\n\n' },
    count: 3,
    says: ['the line end after chunk data', 'chunked framing'],
  },
  {
    name: 'an obs-fold continuation line',
    exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\n\r\n' },
    count: 1,
    says: ['the obs-fold continuation line " 2"'],
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'CRLF everywhere, chunked with a trailer', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n' } },
  { name: 'LFs inside a Content-Length body', exchange: { response: 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\na\nb\n\nc' } },
  { name: 'LFs inside chunk data', exchange: { response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na\n\n\r\n0\r\n\r\n' } },
  { name: 'empty lines before a request (RFC 9112 §2.2 lets a server skip them)', exchange: { request: '\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n' } },
  {
    name: 'pipelined requests in CRLF',
    exchange: { request: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
  },
];

describe('rule bare-lf', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = onlyFinding(rule, c.exchange);
      const text = c.exchange.request ?? c.exchange.response ?? '';
      // The finding and each related location cover exactly one lone LF byte, in order.
      const covered = [finding, ...(finding.related ?? [])].map((r) => r.offset);
      assert.deepEqual(covered, Array.from({ length: c.count }, (_, i) => bareLfAt(text, i)));
      assert.equal(finding.length, 1);
      assert.equal(coveredText(c.exchange, finding), '\n');
      for (const r of finding.related ?? []) assert.equal(r.length, 1);
      assertMessageSays(finding, c.says);
      assert.equal(finding.severity, c.severity ?? 'warning');
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('one finding per message: a request and its response each get theirs', () => {
    const findings = runRule(rule, { request: 'GET / HTTP/1.1\nHost: h\n\n', response: 'HTTP/1.1 200 OK\nContent-Length: 0\n\n' });
    assert.deepEqual(findings.map((f) => [f.direction, f.offset]), [['client-to-server', 14], ['server-to-client', 15]]);
  });

  it('quotes hostile bytes escaped, never raw', () => {
    assertQuotesEscaped(rule, { request: 'GET / HTTP/1.1\r\nHost: h\r\nX-A: \x1b]0;pwned\x07\xe2\x80\xae\n\r\n' }, '\\x1b]0;pwned\\x07');
  });

  it('carries catalogue data: RFC 9112 §2.2 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['bare-lf', 'warning', 'RFC 9112', '2.2']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'accept', 'cited']]);
  });
});
