import * as assert from 'node:assert/strict';
import { h2Goaway } from '../../../server/src/rules/h2-goaway';
import { GET, goaway, headers, OK } from '../http2/h2Bytes';
import { covered, runH2Rule } from './h2Kit';

describe('h2-goaway', () => {
  it('ties an erroring GOAWAY to the open exchanges it cut and the ones left unprocessed', () => {
    const client = headers(1, GET('/done'), true) + headers(3, GET('/slow'), false) + headers(5, GET('/late'), true);
    const server = headers(1, OK, true) + goaway(3, 2, 'bye');
    const [finding, ...rest] = runH2Rule(h2Goaway, client, server);
    assert.equal(rest.length, 0);
    assert.equal(covered(finding, client, server), goaway(3, 2, 'bye'));
    assert.match(finding.message, /GOAWAY INTERNAL_ERROR \(0x2\) from the server \(last stream 3, debug "bye"\): cut stream 3 \(GET \/slow\).*; left stream 5 \(GET \/late\) unprocessed/);
    assert.equal(finding.related?.length, 2);
  });

  it('reports a graceful GOAWAY only when it left requests unprocessed', () => {
    const client = headers(1, GET('/a'), true) + headers(3, GET('/b'), true);
    const [finding] = runH2Rule(h2Goaway, client, headers(1, OK, true) + goaway(1, 0));
    assert.equal(finding.severity, 'warning');
    assert.deepEqual(runH2Rule(h2Goaway, headers(1, GET('/a'), true), headers(1, OK, true) + goaway(1, 0)), []);
  });
});
