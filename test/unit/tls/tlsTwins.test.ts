/**
 * Decryption reaches the same parser and rules as plaintext: each TLS sample, opened with its
 * key log (or its embedded keys), shows the findings of its plaintext twin; without keys it
 * shows the handshake facts and the "attach a key log" hint, and no findings.
 */
import * as assert from 'node:assert/strict';
import type { Finding } from '../../../protocol/model';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { hoverMarkdown } from '../../../server/src/lsp/hover';
import { sample } from '../helpers';

const located = (findings: readonly Finding[]) => findings.map((f) => `${f.ruleId} ${f.direction} ${f.offset}+${f.length}`).sort();

describe('TLS decryption: same findings as the plaintext twin', () => {
  it('tls-incident.pcapng with its key log = incident-wrong.pcapng (rule, direction, offset, length)', async () => {
    const plain = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const decrypted = await analyzeCaptureFile(sample('tls-incident.pcapng'), { tlsKeyLogFile: sample('tls-incident.keys') });
    assert.ok(plain.findings.length > 0);
    assert.deepEqual(located(decrypted.findings), located(plain.findings));
    const [finding] = decrypted.findings;
    assert.deepEqual(finding.tlsRecord, { frame: finding.frame, index: 1 });
    assert.match(hoverMarkdown(finding), new RegExp(`frame ${finding.frame}, TLS record 1 of that frame \\(decrypted bytes\\)`));
    const row = decrypted.conversations[0];
    assert.equal(row.protocol, 'http');
    assert.deepEqual(row.exchanges, plain.conversations[0].exchanges);
    assert.equal(row.tls?.decryption, 'decrypted');
    assert.equal(row.tls?.alpn, 'http/1.1');
    assert.equal(row.tls?.certificateSubject, 'CN=wirelens.test, O=Wirelens samples');
  });

  it('the same capture with its keys embedded (editcap --inject-secrets) needs no key log', async () => {
    const plain = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const embedded = await analyzeCaptureFile(sample('tls-incident-embedded.pcapng'));
    assert.deepEqual(located(embedded.findings), located(plain.findings));
  });

  it('without keys: handshake facts, the hint, and no findings', async () => {
    const analysis = await analyzeCaptureFile(sample('tls-incident.pcapng'));
    assert.deepEqual(analysis.findings, []);
    const row = analysis.conversations[0];
    assert.equal(row.protocol, 'tls');
    assert.deepEqual({ ...row.tls, encryptedRecords: undefined }, {
      version: 'TLS 1.3', serverName: 'wirelens.test', alpnOffered: ['h2', 'http/1.1'], cipherSuite: 'TLS_AES_256_GCM_SHA384', alerts: [], decryption: 'no-keys', encryptedRecords: undefined,
    });
    const text = renderStreamDocument(sample('tls-incident.pcapng'), 'http', analysis.streams.get(0)!).text;
    assert.match(text, /TLS 1\.3 · SNI wirelens\.test · ALPN offered h2, http\/1\.1/);
    assert.match(text, /encrypted: attach a key log/);
  });

  it('TLS 1.2 without keys shows the certificate and the alert that ended the handshake', async () => {
    const row = (await analyzeCaptureFile(sample('tls12-unknown-ca.pcapng'))).conversations[0];
    assert.equal(row.tls?.version, 'TLS 1.2');
    assert.equal(row.tls?.certificateSubject, 'CN=wirelens.test, O=Wirelens samples');
    assert.deepEqual(row.tls?.alerts.map((a) => [a.direction, a.level, a.description]), [['client-to-server', 'fatal', 'unknown_ca (48)']]);
  });

  it('h2 inside TLS: tls-h2-malformed.pcapng with its keys fires what h2c-malformed.pcapng fires', async () => {
    const key = (f: Finding) => `${f.ruleId} ${f.direction} ${f.message.replace(/127\.0\.0\.1:\d+|wirelens\.test:\d+/g, 'AUTHORITY')}`;
    const plain = await analyzeCaptureFile(sample('h2c-malformed.pcapng'));
    const decrypted = await analyzeCaptureFile(sample('tls-h2-malformed.pcapng'), { tlsKeyLogFile: sample('tls-h2-malformed.keys') });
    assert.equal(decrypted.conversations[0].protocol, 'http2');
    assert.deepEqual(decrypted.findings.map(key), plain.findings.map(key));
    assert.ok(decrypted.findings.every((f) => f.tlsRecord));
  });

  it('gRPC inside TLS: status and message from the trailers on the exchange', async () => {
    const analysis = await analyzeCaptureFile(sample('tls-h2-grpc.pcapng'), { tlsKeyLogFile: sample('tls-h2-grpc.keys') });
    const grpc = analysis.conversations[0].exchanges.find((e) => e.target === '/orders.v1.Orders/Get');
    assert.deepEqual([grpc?.http2Stream, grpc?.status, grpc?.grpcStatus, grpc?.grpcMessage], [3, 200, 5, 'order 42 not found']);
    const text = renderStreamDocument(sample('tls-h2-grpc.pcapng'), 'http', analysis.streams.get(0)!).text;
    assert.match(text, /gRPC status 5 NOT_FOUND: order 42 not found/);
  });
});
