import * as assert from 'node:assert/strict';
import { duplicateTransferEncoding as rule } from '../../../server/src/rules/duplicate-transfer-encoding';
import { assertCoversLines } from '../helpers';
import { runRuleOnRaw } from './ruleTestKit';

/** Runs the rule the way the analysis does; a raw request goes alone, a raw response after a GET. */
const check = (raw: string) => runRuleOnRaw(rule, raw);

interface Firing {
  readonly name: string;
  readonly raw: string;
  /** The field line the finding points at (the first repeat). */
  readonly line: string;
  /** The other Transfer-Encoding lines, in order. */
  readonly related: readonly string[];
  readonly times: number;
}

const FIRING: readonly Firing[] = [
  {
    name: 'the incident: "Transfer-Encoding: Chunked" then "transfer-encoding: chunked" in a response',
    raw:
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n' +
      'c\r\n{"order":42,\r\n0\r\n\r\n',
    line: 'transfer-encoding: chunked',
    related: ['Transfer-Encoding: Chunked'],
    times: 2,
  },
  {
    name: 'three lines in a request: the finding is on the second, the others are related',
    raw: 'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n0\r\n\r\n',
    line: 'Transfer-Encoding: gzip',
    related: ['Transfer-Encoding: chunked', 'TRANSFER-ENCODING: CHUNKED'],
    times: 3,
  },
  {
    name: 'HTTP-Evader 079: an unknown coding then chunked',
    raw: 'HTTP/1.1 200 ok\r\nTransfer-Encoding: lalala\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
    line: 'Transfer-Encoding: chunked',
    related: ['Transfer-Encoding: lalala'],
    times: 2,
  },
  {
    name: 'whitespace before the colon is still the same field name',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    line: 'Transfer-Encoding: chunked',
    related: ['Transfer-Encoding : chunked'],
    times: 2,
  },
  {
    name: 'an obs-folded line: the related range covers the field and its continuation',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    line: 'transfer-encoding: chunked',
    related: ['Transfer-Encoding:\r\n chunked'],
    times: 2,
  },
  {
    name: 'bare LF line ends',
    raw: 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\ntransfer-encoding: chunked\n\n0\n\n',
    line: 'transfer-encoding: chunked',
    related: ['Transfer-Encoding: chunked'],
    times: 2,
  },
];

const NOT_FIRING: readonly { name: string; raw: string }[] = [
  { name: 'one Transfer-Encoding line', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'a list in one line', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' },
  { name: 'Content-Length only', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  { name: 'no framing field at all', raw: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
  { name: 'a different field whose name contains Transfer-Encoding', raw: 'HTTP/1.1 200 OK\r\nX-Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'Transfer-Encoding repeated in the trailer section (not a header field)', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n' },
  { name: 'Transfer-Encoding lines inside a Content-Length body', raw: 'POST / HTTP/1.1\r\nContent-Length: 56\r\n\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n' },
];

describe('rule duplicate-transfer-encoding', () => {
  for (const c of FIRING) {
    it(`fires: ${c.name}`, () => {
      const { input, findings: hits } = check(c.raw);
      assert.equal(hits.length, 1);
      const [hit] = hits;
      assertCoversLines(input, hit, c.line);
      assert.equal(hit.related?.length, c.related.length);
      hit.related!.forEach((related, i) => assertCoversLines(input, related, c.related[i]));
      assert.match(hit.message, new RegExp(`appears ${c.times} times`));
      for (const line of [c.line, ...c.related]) {
        // The message quotes each line as `name: value` (folds joined by a space).
        const quoted = line.replace(/:\r?\n /, ': ');
        assert.ok(hit.message.includes(`"${quoted}"`), `message should quote "${quoted}": ${hit.message}`);
      }
    });
  }

  for (const c of NOT_FIRING) {
    it(`does not fire: ${c.name}`, () => {
      assert.deepEqual(check(c.raw).findings, []);
    });
  }

  it('quotes hostile bytes escaped, never raw', () => {
    const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: \x1b[2J\x00\xe2\x80\xae\r\n\r\n0\r\n\r\n';
    const [hit] = check(raw).findings;
    assert.ok(hit.message.includes('"Transfer-Encoding: \\x1b[2J\\x00\\xe2\\x80\\xae"'), hit.message);
    assert.doesNotMatch(hit.message, /[\x00-\x1f\x7f-\uffff]/);
  });

  it('carries catalogue data: id, RFC 9112 §6.1, verdicts for Envoy, curl and HAProxy', () => {
    assert.equal(rule.id, 'duplicate-transfer-encoding');
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '6.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [
      ['envoy', 'reject', 'cited'],
      ['curl', 'accept', 'observed'],
      ['haproxy', 'reject', 'observed'],
    ]);
  });
});
