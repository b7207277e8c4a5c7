import * as assert from 'node:assert/strict';
import { h2ContentLengthMismatch } from '../../../server/src/rules/h2-content-length-mismatch';
import { data, GET, headers, OK } from '../http2/h2Bytes';
import { covered, runH2Rule } from './h2Kit';

const POST: [string, string][] = [[':method', 'POST'], [':scheme', 'http'], [':path', '/orders'], [':authority', 'x']];

describe('h2-content-length-mismatch', () => {
  it('fires when DATA before END_STREAM is shorter than content-length, on the field', () => {
    const client = headers(1, [...POST, ['content-length', '10']]) + data(1, '{"a":');
    const [finding] = runH2Rule(h2ContentLengthMismatch, client);
    assert.equal(covered(finding, client), '\x00\x0econtent-length\x0210');
    assert.match(finding.message, /sent 5 bytes of DATA/);
    assert.equal(finding.related?.length, 1);
  });

  it('fires on a response with more DATA than declared', () => {
    const findings = runH2Rule(h2ContentLengthMismatch, headers(1, GET('/'), true), headers(1, [...OK, ['content-length', '2']]) + data(1, 'abc', false) + data(1, 'd'));
    assert.equal(findings[0].direction, 'server-to-client');
    assert.match(findings[0].message, /4 bytes/);
  });

  it('does not fire when lengths agree, before END_STREAM, or on HEAD/204/304', () => {
    assert.deepEqual(runH2Rule(h2ContentLengthMismatch, headers(1, [...POST, ['content-length', '5']]) + data(1, '{"a":')), []);
    assert.deepEqual(runH2Rule(h2ContentLengthMismatch, headers(1, [...POST, ['content-length', '10']]) + data(1, '{"a":', false)), []);
    const head: [string, string][] = [[':method', 'HEAD'], [':scheme', 'http'], [':path', '/'], [':authority', 'x']];
    assert.deepEqual(runH2Rule(h2ContentLengthMismatch, headers(1, head, true), headers(1, [...OK, ['content-length', '100']], true)), []);
  });
});
