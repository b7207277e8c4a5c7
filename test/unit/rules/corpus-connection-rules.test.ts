/**
 * The connection- and capture-scope rules on every real capture (samples/ and the shared
 * corpus), through the real pipeline (tshark → reassembly → parser → rules). Each expected
 * finding below was checked against the capture's bytes; every other capture must produce none
 * of these rules' findings (ctu-62604-80's idle RST and duplicated frames, protocol-nodup's
 * exact retransmissions, evader-242's conflicting lengths are the interesting negatives).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { allCaptures } from '../helpers';

const RULES = new Set([
  'response-without-request',
  'connection-close-reuse',
  'tcp-rst-mid-message',
  'tcp-zero-window',
  'tcp-overlap-conflict',
  'proxy-generated-error',
]);

/** capture → "rule stream direction offset+length frame N". */
const EXPECTED: Record<string, readonly string[]> = {
  // GET /1 HTTP/1.0 (no keep-alive) answered "Connection: close" in frame 7; the client still sent
  // GET /2 (frame 9) and the server answered it (frame 11, after a stray LF at offset 148).
  'suricata-verify--http-async.pcap': [
    'connection-close-reuse 0 client-to-server 40+40 frame 9',
    'connection-close-reuse 0 server-to-client 149+111 frame 11',
  ],
  // Five requests, seven 83-byte responses: frame 16 carries the end of response 1 and two more
  // responses sent before request 2 (frame 18) existed.
  // scripts/make-proxy-sample.mjs: HAProxy's 502 (stream 0) linked to the duplicate Transfer-Encoding
  // of the upstream leg (stream 1); HAProxy's own RST after the complete upstream response is not reported.
  'proxy-502.pcapng': ['proxy-generated-error 0 server-to-client 0+24 frame 12'],
  // nginx's 502 (stream 0) linked to the origin's RST (frame 11) under the forwarded request (frame 9).
  'proxy-502-nginx.pcapng': ['proxy-generated-error 0 server-to-client 0+24 frame 12', 'tcp-rst-mid-message 1 client-to-server 0+179 frame 9'],
  'zeek--http-desync-request-response-5.pcap': [
    'response-without-request 1 server-to-client 83+83 frame 16',
    'response-without-request 1 server-to-client 166+83 frame 16',
  ],
};

describe('connection and capture rules on the real corpus', () => {
  for (const file of allCaptures()) {
    const name = path.basename(file);
    it(`${name}: ${(EXPECTED[name] ?? []).length || 'no'} findings`, async () => {
      const analysis = await analyzeCaptureFile(file);
      const actual = analysis.findings
        .filter((f) => RULES.has(f.ruleId))
        .map((f) => `${f.ruleId} ${f.stream} ${f.direction} ${f.offset}+${f.length} frame ${f.frame}`);
      assert.deepEqual(actual, EXPECTED[name] ?? []);
    });
  }
});
