/** `wirelens analyze --keylog`: decrypted TLS gets the plaintext twin's findings; without keys, the facts and the hint. */
import * as assert from 'node:assert/strict';
import type { Finding } from '../../protocol/model';
import { sample } from '../unit/helpers';
import { runWirelens } from './runWirelens';

const wirelens = (...args: string[]) => runWirelens(args);

describe('wirelens analyze --keylog', () => {
  it('decrypts with the key log: the same finding as the plaintext capture, naming the TLS record', async () => {
    const plain = await wirelens('analyze', sample('incident-wrong.pcapng'), '--format', 'json');
    const tls = await wirelens('analyze', sample('tls-incident.pcapng'), '--keylog', sample('tls-incident.keys'), '--format', 'json');
    assert.equal(tls.code, 1);
    const located = (run: { stdout: string }) => (JSON.parse(run.stdout).findings as Finding[]).map((f) => [f.ruleId, f.direction, f.offset, f.length]);
    assert.deepEqual(located(tls), located(plain));
    const json = JSON.parse(tls.stdout);
    assert.equal(json.findings[0].tlsRecord.index, 1);
    assert.equal(json.tls[0].decryption, 'decrypted');
    const text = await wirelens('analyze', sample('tls-incident.pcapng'), '--keylog', sample('tls-incident.keys'));
    assert.match(text.stdout, /stream 0:server-to-client\+77 \(frame \d+, TLS record 1, decrypted\): error: Transfer-Encoding appears 2 times/);
  });

  it('without keys: exit 0, the handshake facts and the hint', async () => {
    const run = await wirelens('analyze', sample('tls-incident.pcapng'));
    assert.equal(run.code, 0);
    assert.match(run.stdout, /stream 0: TLS 1\.3 · SNI wirelens\.test · ALPN offered h2, http\/1\.1 · TLS_AES_256_GCM_SHA384; encrypted: attach a key log/);
  });

  it('follow decrypts one stream with --keylog, and uses keys embedded in the pcapng without it', async () => {
    const keyed = await wirelens('follow', sample('tls-h2-grpc.pcapng'), '0', '--keylog', sample('tls-h2-grpc.keys'));
    assert.equal(keyed.code, 0);
    assert.match(keyed.stdout, /── HTTP\/2 \(connection preface\) · 2 streams ──/);
    assert.match(keyed.stdout, /gRPC status 5 NOT_FOUND: order 42 not found/);
    const embedded = await wirelens('follow', sample('tls-incident-embedded.pcapng'), '0', '--format', 'json');
    const json = JSON.parse(embedded.stdout);
    assert.equal(json.tls.decryption, 'decrypted');
    assert.equal(json.protocol, 'http');
    assert.equal(json.findings[0].ruleId, 'duplicate-transfer-encoding');
  });

  it('a missing key log is one sentence and exit 2', async () => {
    const run = await wirelens('analyze', sample('tls-incident.pcapng'), '--keylog', '/nonexistent.keys');
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim(), 'wirelens: The key log /nonexistent.keys does not exist.');
  });
});
