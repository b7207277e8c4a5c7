import * as assert from 'node:assert/strict';
import { h2InvalidPseudoHeader } from '../../../server/src/rules/h2-invalid-pseudo-header';
import { GET, headers, OK } from '../http2/h2Bytes';
import { covered, runH2Rule } from './h2Kit';

const messages = (client: string, server = '') => runH2Rule(h2InvalidPseudoHeader, client, server).map((f) => f.message);

describe('h2-invalid-pseudo-header', () => {
  it('fires on an unknown pseudo-header, on its bytes', () => {
    const client = headers(1, [...GET('/'), [':tenant', 'blue']], true);
    const [finding] = runH2Rule(h2InvalidPseudoHeader, client);
    assert.equal(covered(finding, client), '\x00\x07:tenant\x04blue');
    assert.match(finding.message, /not a defined pseudo-header/);
  });

  it('fires on a pseudo-header after a regular field, a repeated one, and :status in a request', () => {
    assert.match(messages(headers(1, [[':method', 'GET'], ['accept', '*/*'], [':scheme', 'http'], [':path', '/']], true))[0], /after a regular field/);
    assert.match(messages(headers(1, [...GET('/'), [':path', '/again']], true))[0], /repeats :path/);
    assert.match(messages(headers(1, [...GET('/'), [':status', '200']], true))[0], /response pseudo-header in request headers/);
  });

  it('fires on missing mandatory pseudo-headers and on pseudo-headers in trailers', () => {
    assert.match(messages(headers(1, [[':method', 'GET'], [':path', '/']], true))[0], /no :scheme/);
    assert.match(messages(headers(1, GET('/'), true), headers(1, [['content-type', 'x']], true))[0], /no :status/);
    assert.match(messages(headers(1, GET('/'), true), headers(1, OK) + headers(1, [[':status', '200']], true))[0], /in trailers/);
  });

  it('accepts CONNECT with :authority only, and well-formed exchanges', () => {
    assert.deepEqual(messages(headers(1, [[':method', 'CONNECT'], [':authority', 'a:443']])), []);
    assert.deepEqual(messages(headers(1, GET('/'), true), headers(1, [[':status', '103']]) + headers(1, OK, true)), []);
  });
});
