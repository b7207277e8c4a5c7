import * as assert from 'node:assert/strict';
import { h2StreamReset } from '../../../server/src/rules/h2-stream-reset';
import { data, GET, headers, OK, rstStream } from '../http2/h2Bytes';
import { covered, runH2Rule } from './h2Kit';

describe('h2-stream-reset', () => {
  it('covers the RST_STREAM frame and names the exchange it cut and how far it had got', () => {
    const server = rstStream(1, 1);
    const [finding] = runH2Rule(h2StreamReset, headers(1, GET('/trace'), true), server);
    assert.equal(finding.direction, 'server-to-client');
    assert.equal(covered(finding, '', server), server);
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /RST_STREAM PROTOCOL_ERROR \(0x1\) from the server cut stream 1 \(GET \/trace\) after the whole request, before any response/);
    assert.equal(finding.related?.[0].direction, 'client-to-server');
  });

  it('grades CANCEL as info and REFUSED_STREAM as a warning', () => {
    const cancel = runH2Rule(h2StreamReset, headers(1, GET('/'), true) + rstStream(1, 8), headers(1, OK) + data(1, 'ab', false));
    assert.equal(cancel[0].severity, 'info');
    assert.match(cancel[0].message, /after the response headers \(200\) and 2 bytes of response body/);
    assert.equal(runH2Rule(h2StreamReset, headers(1, GET('/'), true), rstStream(1, 7))[0].severity, 'warning');
  });

  it('does not report a NO_ERROR reset after a complete response', () => {
    assert.deepEqual(runH2Rule(h2StreamReset, headers(1, GET('/'), false), headers(1, OK, true) + rstStream(1, 0)), []);
  });
});
