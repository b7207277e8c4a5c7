import * as assert from 'node:assert/strict';
import { decryptedConnection, recordAt } from '../../../server/src/tls/decryptedConnection';
import { tlsSessions } from '../../../server/src/tls/tlsSession';
import { buildInjectSecretsArgs, buildTlsArgs, parseTlsEkLine, type TlsFrame } from '../../../server/src/tshark/tlsRecords';
import { connectionOf } from '../rules/ruleTestKit';
import { text } from '../helpers';

const CLIENT = { address: '10.0.0.1', port: 40000 };
const SERVER = { address: '10.0.0.2', port: 80 };

function tlsFrame(frame: number, src: typeof CLIENT, fields: Partial<TlsFrame>): TlsFrame {
  return {
    frame, stream: 0, src, contentTypes: [], recordVersions: [], handshakeTypes: [], supportedVersions: [], serverNames: [], alpn: [],
    cipherSuites: [], certificates: [], alerts: [], decrypted: [], ...fields,
  };
}

describe('TLS sessions from tshark records', () => {
  it('builds tshark arguments: the key log, and http/http2 disabled so plaintext reaches data.data', () => {
    const args = buildTlsArgs('in.pcapng', { keyLogFile: '/k/keys.txt' });
    assert.deepEqual(args.slice(0, 4), ['-r', 'in.pcapng', '-T', 'ek']);
    assert.ok(args.includes('tls.keylog_file:/k/keys.txt'));
    assert.ok(args.join(' ').includes('--disable-protocol http --disable-protocol http2'));
    assert.ok(!buildTlsArgs('in.pcapng').some((a) => a.startsWith('tls.keylog_file')));
    // Several streams: a comma-separated set (tshark 4.0 refuses whitespace alone), runs as ranges.
    assert.ok(buildTlsArgs('in.pcapng', { streams: [5, 1, 2] }).includes('tls && tcp.stream in {1..2, 5}'));
    assert.deepEqual(buildInjectSecretsArgs('a.pcapng', 'k.keys', 'b.pcapng'), ['--inject-secrets', 'tls,k.keys', 'a.pcapng', 'b.pcapng']);
  });

  it('parses an ek line', () => {
    const line = '{"timestamp":"1","layers":{"frame_number":["11"],"tcp_stream":["0"],"ip_src":["10.0.0.2"],"tcp_srcport":["80"],"tls_record_content_type":["22","23"],"tls_record_version":["0x0303","0x0303"],"data_data":["48545450"],"tls_alert_message_level":["2"],"tls_alert_message_desc":["48"]}}';
    const frame = parseTlsEkLine(line)!;
    assert.deepEqual([frame.frame, frame.stream, frame.src, frame.contentTypes, frame.recordVersions], [11, 0, SERVER, [22, 23], [0x303, 0x303]]);
    assert.equal(Buffer.from(frame.decrypted[0]).toString('latin1'), 'HTTP');
    assert.deepEqual(frame.alerts, [{ level: 2, description: 48 }]);
    assert.equal(parseTlsEkLine('{"index":{}}'), undefined);
  });

  it('reads the handshake facts and numbers application records per frame', () => {
    const frames = [
      tlsFrame(4, CLIENT, { contentTypes: [22], recordVersions: [0x301], handshakeTypes: [1], serverNames: ['a.test'], alpn: ['h2', 'http/1.1'] }),
      tlsFrame(6, SERVER, { contentTypes: [22, 20, 22], recordVersions: [0x303, 0x303, 0x303], handshakeTypes: [2, 8], supportedVersions: [0x304], cipherSuites: [0x1301], alpn: ['h2'] }),
      tlsFrame(9, CLIENT, { contentTypes: [23], recordVersions: [0x303], decrypted: [Uint8Array.from([1, 2])] }),
      tlsFrame(11, SERVER, { contentTypes: [22, 23], recordVersions: [0x303, 0x303], decrypted: [Uint8Array.from([3])] }),
    ];
    const session = tlsSessions(frames, new Map([[0, CLIENT]])).get(0)!;
    assert.deepEqual(session.facts, {
      version: 'TLS 1.3', serverName: 'a.test', alpnOffered: ['h2', 'http/1.1'], alpn: 'h2', cipherSuite: 'TLS_AES_128_GCM_SHA256', alerts: [], decryption: 'decrypted', encryptedRecords: 2,
    });
    assert.deepEqual(session.serverToClient.map((r) => [r.frame, r.index]), [[11, 2]]);
  });

  it('without keys counts the records tshark could not open, and says no-keys', () => {
    const frames = [tlsFrame(6, SERVER, { contentTypes: [22, 20], recordVersions: [0x303, 0x303, 0x303, 0x303] }), tlsFrame(9, CLIENT, { recordVersions: [0x303] })];
    const session = tlsSessions(frames, new Map([[0, CLIENT]])).get(0)!;
    assert.equal(session.facts.decryption, 'no-keys');
    assert.equal(session.facts.encryptedRecords, 3);
    assert.equal(session.facts.version, 'TLS 1.2');
  });

  it('lays decrypted records out as a connection whose spans are the records\' frames', () => {
    const transport = connectionOf([{ from: 'client', data: 'xxxx' }, { from: 'server', data: 'yyyyyy' }]);
    const session = tlsSessions(
      [
        tlsFrame(4, CLIENT, { contentTypes: [23, 23], recordVersions: [0x303, 0x303], decrypted: [Uint8Array.from(Buffer.from('GET / ')), Uint8Array.from(Buffer.from('HTTP/1.1\r\n\r\n'))] }),
        tlsFrame(5, SERVER, { contentTypes: [23], recordVersions: [0x303] }),
      ],
      new Map([[0, CLIENT]]),
    ).get(0)!;
    assert.equal(session.facts.decryption, 'partial');
    const { connection, records } = decryptedConnection(transport, session);
    assert.equal(text(connection.clientToServer.bytes), 'GET / HTTP/1.1\r\n\r\n');
    assert.deepEqual(connection.clientToServer.spans.map((s) => [s.offset, s.length, s.frame]), [[0, 6, 4], [6, 12, 4]]);
    assert.deepEqual(recordAt(records['client-to-server'], 7), { frame: 4, index: 2 });
    assert.deepEqual(connection.serverToClient.bytes.length, 0);
    assert.equal(connection.client, transport.client);
  });
});
