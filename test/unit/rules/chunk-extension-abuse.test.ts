import * as assert from 'node:assert/strict';
import { chunkExtensionAbuse as rule } from '../../../server/src/rules/chunk-extension-abuse';
import { UNSAFE_CHARS } from '../helpers';
import { coveredText, runRule } from './ruleTestKit';

const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

/** [chunk-size line, covered extension, phrase, severity]. */
const FIRING: readonly (readonly [string, string, string, 'error' | 'warning'])[] = [
  ['5;ext=a\rb', ';ext=a\rb', 'contains a bare CR (byte 7)', 'error'],
  ['5;a=\x00', ';a=\x00', 'control byte \\x00', 'warning'],
  ['5 ;a=\x7f', ';a=\x7f', 'control byte \\x7f', 'warning'],
  ['5;a b', ';a b', 'expected ";" before the next extension, found "b" at byte 4', 'warning'],
  ['5;=x', ';=x', 'expected an extension name (a token), found "=" at byte 2', 'warning'],
  ['5;a=', ';a=', 'expected a value (a token or a quoted string), found the line end', 'warning'],
  ['5;a="open', ';a="open', 'unterminated quoted string', 'warning'],
  ['5;a=b@c', ';a=b@c', 'found "@" at byte 5', 'warning'],
  ['5;a=b;', ';a=b;', 'expected an extension name', 'warning'],
];

describe('rule chunk-extension-abuse', () => {
  for (const [line, covers, phrase, severity] of FIRING) {
    it(`fires: ${JSON.stringify(line)}`, () => {
      const exchange = { response: `${HEAD}${line}\r\nhello\r\n0\r\n\r\n` };
      const findings = runRule(rule, exchange);
      assert.equal(findings.length, 1);
      assert.equal(coveredText(exchange, findings[0]), covers);
      assert.ok(findings[0].message.includes(phrase), findings[0].message);
      assert.equal(findings[0].severity, severity);
      assert.doesNotMatch(findings[0].message, UNSAFE_CHARS);
    });
  }

  it('reports a repeated problem once per message, the other lines related', () => {
    const exchange = { response: `${HEAD}1;a\rb\r\nX\r\n1;c\rd\r\nY\r\n1;e\rf\r\nZ\r\n0\r\n\r\n` };
    const findings = runRule(rule, exchange);
    assert.equal(findings.length, 1);
    assert.equal(coveredText(exchange, findings[0]), ';a\rb');
    assert.deepEqual(findings[0].related?.map((r) => coveredText(exchange, { ...r, direction: findings[0].direction })), [';c\rd', ';e\rf']);
    assert.match(findings[0].message, /\(2 more chunk lines like this in the message\.\)$/);
  });

  it('fires on a chunk-size line of 4096 bytes or more (Go refuses it)', () => {
    const extension = `;a=${'b'.repeat(4100)}`;
    const exchange = { request: `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5${extension}\r\nhello\r\n0\r\n\r\n` };
    const findings = runRule(rule, exchange);
    assert.equal(findings.length, 1);
    assert.equal(coveredText(exchange, findings[0]), extension);
    assert.match(findings[0].message, /Chunk-size line is 4106 bytes long with its line end, 4103 of them extensions \(1 extension\): Go refuses chunk lines of 4096 bytes or more/);
  });

  it('fires where a message passes 16 KiB of extensions (Node.js) and where chunk overhead passes Go\'s allowance', () => {
    // Five 1-byte chunks, each with a 4000-byte extension: 20000 bytes of names and values in all.
    const extension = `;${'n'.repeat(2000)}=${'v'.repeat(1999)}`;
    const chunk = `1${extension}\r\nX\r\n`;
    const exchange = { response: `${HEAD}${chunk.repeat(5)}0\r\n\r\n` };
    const findings = runRule(rule, exchange);
    const fifth = HEAD.length + 4 * chunk.length + 1;
    assert.deepEqual(findings.map((f) => f.offset), [fifth, fifth]);
    assert.ok(findings.every((f) => coveredText(exchange, f) === extension));
    assert.ok(findings.some((f) => /pass 16384 bytes of names and values here \(19995 so far\): Node\.js/.test(f.message)));
    assert.ok(findings.some((f) => /exceeds what Go allows/.test(f.message)));
    // Four such chunks stay under both limits.
    assert.deepEqual(runRule(rule, { response: `${HEAD}${chunk.repeat(4)}0\r\n\r\n` }), []);
  });

  const NOT_FIRING: readonly string[] = [
    '5',
    '5;name=value',
    '5;a;b=c',
    '5 ; a = b',
    '5;a="b c \\" d"',
    '5;a="\xe9t\xe9"',
    '5;a=b \t',
  ];
  for (const line of NOT_FIRING) {
    it(`does not fire: ${JSON.stringify(line)}`, () => {
      assert.deepEqual(runRule(rule, { response: `${HEAD}${line}\r\nhello\r\n0\r\n\r\n` }), []);
    });
  }

  it('does not fire on many small chunks without extensions (Go\'s overhead allowance covers one byte per chunk)', () => {
    assert.deepEqual(runRule(rule, { response: `${HEAD}${'1\r\nX\r\n'.repeat(10000)}0\r\n\r\n` }), []);
  });

  it('does not fire on an invalid chunk size (invalid-chunk-size reports it)', () => {
    assert.deepEqual(runRule(rule, { response: `${HEAD}5 x\r\nhello\r\n0\r\n\r\n` }), []);
  });

  it('carries catalogue data: RFC 9112 §7.1.1 and the cited Envoy verdict', () => {
    assert.deepEqual([rule.rfc.document, rule.rfc.section], ['RFC 9112', '7.1.1']);
    assert.deepEqual(rule.verdicts.map((v) => [v.implementation, v.outcome, v.source]), [['envoy', 'accept', 'cited']]);
    assert.match(rule.description, /16384/);
    assert.match(rule.description, /4096/);
  });
});
