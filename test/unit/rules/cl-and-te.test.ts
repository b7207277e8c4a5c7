import * as assert from 'node:assert/strict';
import { clAndTe as rule } from '../../../server/src/rules/cl-and-te';
import { assertCoversLines } from '../helpers';
import { runRuleOnRaw } from './ruleTestKit';

/** Runs the rule the way the analysis does; a raw request goes alone, a raw response after a GET. */
const check = (raw: string) => runRuleOnRaw(rule, raw);

interface Firing {
  readonly name: string;
  readonly raw: string;
  /** One entry per finding: the Content-Length line it points at. */
  readonly lines: readonly string[];
  /** The Transfer-Encoding lines every finding relates to. */
  readonly related: readonly string[];
}

const FIRING: readonly Firing[] = [
  {
    name: 'samples/cl-and-te: a chunked response that also declares Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 33\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{"order":42,\r\n0\r\n\r\n',
    lines: ['Content-Length: 33'],
    related: ['Transfer-Encoding: chunked'],
  },
  {
    name: 'zeek 261 variant 04: TE.CL desync request, Transfer-Encoding first',
    raw: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\nGET /smuggled-te-cl HTTP/1.1\r\n\r\n',
    lines: ['Content-Length: 50'],
    related: ['Transfer-Encoding: chunked'],
  },
  {
    name: 'two Content-Length lines: one finding each',
    raw: 'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n0\r\n\r\n',
    lines: ['Content-Length: 5', 'Content-Length: 7'],
    related: ['Transfer-Encoding: chunked'],
  },
  {
    name: 'HTTP-Evader 084: two Transfer-Encoding lines and a Content-length',
    raw: 'HTTP/1.1 200 ok\r\nTransfer-Encoding: lalala\r\nTransfer-Encoding: chunked\r\nContent-length: 68\r\n\r\n0\r\n\r\n',
    lines: ['Content-length: 68'],
    related: ['Transfer-Encoding: lalala', 'Transfer-Encoding: chunked'],
  },
  {
    name: 'names compared case-insensitively',
    raw: 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\nTRANSFER-ENCODING: chunked\r\n\r\n0\r\n\r\n',
    lines: ['content-length: 0'],
    related: ['TRANSFER-ENCODING: chunked'],
  },
];

const NOT_FIRING: readonly { name: string; raw: string }[] = [
  { name: 'Content-Length only', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  { name: 'Transfer-Encoding only', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'duplicate Transfer-Encoding without Content-Length', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'Content-Type is not Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'a field whose name only starts with Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length-Hint: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'Content-Length in the trailer section', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 0\r\n\r\n' },
  {
    name: 'zeek smuggle-http-request: "Transfer-Encoding: chunked" as body text of a Content-Length request',
    raw: 'POST /first HTTP/1.1\r\nContent-Length: 28\r\n\r\nTransfer-Encoding: chunked\r\n',
  },
];

describe('rule cl-and-te', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const { input, findings: hits } = check(c.raw);
      assert.equal(hits.length, c.lines.length);
      hits.forEach((hit, i) => {
        assertCoversLines(input, hit, c.lines[i]);
        assert.equal(hit.related?.length, c.related.length);
        hit.related!.forEach((related, j) => assertCoversLines(input, related, c.related[j]));
        assert.ok(hit.message.includes(`"${c.lines[i]}"`), `message should quote the Content-Length line: ${hit.message}`);
        assert.ok(hit.message.includes(`"${c.related[0]}"`), `message should quote the Transfer-Encoding line: ${hit.message}`);
      });
    });
  }

  for (const c of NOT_FIRING) {
    it(`does not fire: ${c.name}`, () => {
      assert.deepEqual(check(c.raw).findings, []);
    });
  }

  it('carries catalogue data: id, RFC 9112 §6.1, verdicts for Envoy and curl', () => {
    assert.equal(rule.id, 'cl-and-te');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome]), [
      ['envoy', 'reject'],
      ['curl', 'accept'],
    ]);
  });
});
