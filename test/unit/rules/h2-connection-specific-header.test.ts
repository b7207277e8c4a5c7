import * as assert from 'node:assert/strict';
import { h2ConnectionSpecificHeader } from '../../../server/src/rules/h2-connection-specific-header';
import { GET, headers, OK } from '../http2/h2Bytes';
import { covered, runH2Rule } from './h2Kit';

describe('h2-connection-specific-header', () => {
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'Connection']) {
    it(`fires on ${name}`, () => {
      const client = headers(1, [...GET('/'), [name, 'x']], true);
      const findings = runH2Rule(h2ConnectionSpecificHeader, client);
      assert.equal(findings.length, 1);
      assert.ok(covered(findings[0], client).includes(name));
    });
  }

  it('fires on TE other than trailers, in a response too', () => {
    const findings = runH2Rule(h2ConnectionSpecificHeader, headers(1, [...GET('/'), ['te', 'gzip']], true), headers(1, [...OK, ['connection', 'close']], true));
    assert.deepEqual(findings.map((f) => f.direction), ['client-to-server', 'server-to-client']);
    assert.match(findings[0].message, /TE may only be "trailers"/);
  });

  it('does not fire on te: trailers or ordinary fields', () => {
    assert.deepEqual(runH2Rule(h2ConnectionSpecificHeader, headers(1, [...GET('/'), ['te', 'trailers'], ['accept', '*/*']], true), headers(1, OK, true)), []);
  });
});
