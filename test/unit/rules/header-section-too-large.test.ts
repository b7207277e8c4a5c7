import * as assert from 'node:assert/strict';
import { headerSectionTooLarge as rule } from '../../../server/src/rules/header-section-too-large';
import { UNSAFE_CHARS } from '../helpers';
import { assertMessageSays, coveredText, itDoesNotFire, onlyFinding } from './ruleTestKit';

const KiB = 1024;
type Exchange = { request?: string; response?: string };

/** `count` field lines `X-Fnnn: v` (14 bytes each with CRLF for count < 1000). */
function fields(count: number): string {
  return Array.from({ length: count }, (_, i) => `X-F${String(i).padStart(3, '0')}: v\r\n`).join('');
}

const FIRING: readonly { name: string; exchange: Exchange; says: readonly string[]; absent?: readonly string[]; longLines?: number; severity?: 'error' }[] = [
  {
    name: 'one 9 KiB request line: over nginx\'s 8 KiB buffer only',
    exchange: { request: `GET /${'a'.repeat(9 * KiB)} HTTP/1.1\r\nHost: h\r\n\r\n` },
    says: ['nginx large_client_header_buffers (default 4 x 8 KiB: one line must fit in 8 KiB; longest line 9,232 bytes)'],
    absent: ['Node.js', 'Envoy'],
    longLines: 1,
  },
  {
    name: 'a 17 KiB cookie: nginx line, Node.js 16 KiB',
    exchange: { request: `GET / HTTP/1.1\r\nHost: h\r\nCookie: s=${'x'.repeat(17 * KiB)}\r\n\r\n` },
    says: ['nginx large_client_header_buffers (default', 'Node.js --max-http-header-size (default 16 KiB)'],
    absent: ['Envoy', 'Go'],
    longLines: 1,
  },
  {
    name: '101 small fields in a request: Envoy\'s count limit (431)',
    exchange: { request: `GET / HTTP/1.1\r\n${fields(101)}\r\n` },
    says: ['in 101 field lines', 'Envoy max_request_headers_count (default 100): 431, http1.too_many_headers'],
    severity: 'error',
    absent: ['nginx', 'Node.js'],
  },
  {
    name: '61 KiB of request fields: Envoy 60 KiB (431), Node.js, nginx total',
    exchange: { request: `GET / HTTP/1.1\r\n${Array.from({ length: 61 }, (_, i) => `X-${i}: ${'v'.repeat(KiB)}\r\n`).join('')}\r\n` },
    says: ['Envoy max_request_headers_kb (default 60 KiB', '431, http1.headers_too_large', 'Node.js', 'nginx large_client_header_buffers in total'],
    absent: ['too_many_headers'],
    severity: 'error',
  },
  {
    name: '81 KiB of response fields: Envoy\'s 80 KiB response limit (502 UPE), no nginx request limits',
    exchange: { response: `HTTP/1.1 200 OK\r\n${Array.from({ length: 81 }, (_, i) => `X-${i}: ${'v'.repeat(KiB)}\r\n`).join('')}Content-Length: 0\r\n\r\n` },
    says: ["Envoy's response header limit (80 KiB", '502 UPE', 'Node.js'],
    absent: ['nginx', 'max_request'],
    severity: 'error',
  },
];

const NOT_FIRING: readonly { name: string; exchange: Exchange }[] = [
  { name: 'a typical request', exchange: { request: 'GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nUser-Agent: curl/8.5.0\r\n\r\n' } },
  { name: 'exactly 100 fields', exchange: { request: `GET / HTTP/1.1\r\n${fields(100)}\r\n` } },
  { name: 'a request line of exactly 8 KiB with its CRLF', exchange: { request: `GET /${'a'.repeat(8 * KiB - 16)} HTTP/1.1\r\nHost: h\r\n\r\n` } },
  { name: 'a big body, small headers', exchange: { response: `HTTP/1.1 200 OK\r\nContent-Length: ${40 * KiB}\r\n\r\n${'b'.repeat(40 * KiB)}` } },
  { name: 'a response line of 9 KiB (nginx\'s client buffer is for requests)', exchange: { response: `HTTP/1.1 200 OK\r\nX-A: ${'v'.repeat(9 * KiB)}\r\nContent-Length: 0\r\n\r\n` } },
  { name: 'a header section that never ends (capture cut)', exchange: { request: `GET / HTTP/1.1\r\nCookie: ${'x'.repeat(20 * KiB)}` } },
];

describe('rule header-section-too-large', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const finding = onlyFinding(rule, c.exchange);
      const text = c.exchange.request ?? c.exchange.response ?? '';
      // The finding covers the start line through the last field line, without the final CRLF CRLF.
      assert.equal(coveredText(c.exchange, finding), text.slice(0, text.indexOf('\r\n\r\n')));
      assert.equal(finding.severity, c.severity ?? 'warning');
      assert.equal(finding.related?.length ?? 0, c.longLines ?? 0);
      assertMessageSays(finding, c.says);
      for (const words of c.absent ?? []) assert.ok(!finding.message.includes(words), `"${words}" should not be in: ${finding.message}`);
      assert.doesNotMatch(finding.message, UNSAFE_CHARS);
    });
  }

  itDoesNotFire(rule, NOT_FIRING);

  it('carries catalogue data: RFC 9110 §5.4 and a cited Envoy verdict', () => {
    assert.deepEqual([rule.id, rule.severity, rule.rfc.document, rule.rfc.section], ['header-section-too-large', 'warning', 'RFC 9110', '5.4']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'reject', 'cited']]);
  });
});
