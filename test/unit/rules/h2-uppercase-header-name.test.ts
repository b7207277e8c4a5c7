import * as assert from 'node:assert/strict';
import { h2UppercaseHeaderName } from '../../../server/src/rules/h2-uppercase-header-name';
import { GET, headers, OK } from '../http2/h2Bytes';
import { covered, runH2Rule } from './h2Kit';

describe('h2-uppercase-header-name', () => {
  it('fires on an uppercase name in a request, on its HPACK bytes', () => {
    const client = headers(1, [...GET('/'), ['X-Trace-Id', '7']], true);
    const [finding, ...rest] = runH2Rule(h2UppercaseHeaderName, client);
    assert.equal(rest.length, 0);
    assert.equal(finding.direction, 'client-to-server');
    assert.equal(covered(finding, client), '\x00\x0aX-Trace-Id\x017');
    assert.match(finding.message, /"X-Trace-Id: 7".*stream 1 \(GET \/\).*"x-trace-id"/);
  });

  it('fires on a response and on trailers', () => {
    const server = headers(1, [...OK, ['Content-Type', 'text/plain']]) + headers(1, [['Grpc-Status', '0']], true);
    const findings = runH2Rule(h2UppercaseHeaderName, headers(1, GET('/'), true), server);
    assert.deepEqual(findings.map((f) => f.direction), ['server-to-client', 'server-to-client']);
    assert.match(findings[1].message, /trailers/);
  });

  it('does not fire on lowercase names, nor on HTTP/1.x', () => {
    assert.deepEqual(runH2Rule(h2UppercaseHeaderName, headers(1, [...GET('/'), ['x-trace-id', '7']], true), headers(1, OK, true)), []);
  });
});
