/**
 * One TLS conversation from tshark's per-frame records: its handshake facts, and each
 * direction's application-data records in order, with their plaintext when tshark decrypted
 * them. Pure: tshark is run by server/src/tshark/tlsRecords.ts.
 */
import { X509Certificate } from 'node:crypto';
import type { Direction, Endpoint, TlsAlert, TlsFacts } from '../../../protocol/model';
import type { TlsFrame } from '../tshark/tlsRecords';

const CONTENT_ALERT = 21;
const CONTENT_APPLICATION_DATA = 23;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_SERVER_HELLO = 2;

/** An application-data record: where it sits in the capture, and its plaintext if decrypted. */
export interface TlsRecord {
  readonly frame: number;
  /** 1-based among the records tshark dissected in that frame. */
  readonly index: number;
  readonly plaintext?: Uint8Array;
}

export interface TlsSession {
  readonly stream: number;
  readonly facts: TlsFacts;
  readonly clientToServer: readonly TlsRecord[];
  readonly serverToClient: readonly TlsRecord[];
}

const VERSIONS: Record<number, string> = { 0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' };

const CIPHER_SUITES: Record<number, string> = {
  0x1301: 'TLS_AES_128_GCM_SHA256',
  0x1302: 'TLS_AES_256_GCM_SHA384',
  0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
};

/** RFC 8446 §6 (and RFC 5246 §7.2 for the older ones). */
const ALERTS: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 21: 'decryption_failed', 22: 'record_overflow',
  40: 'handshake_failure', 41: 'no_certificate', 42: 'bad_certificate', 43: 'unsupported_certificate', 44: 'certificate_revoked',
  45: 'certificate_expired', 46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied',
  50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error',
  86: 'inappropriate_fallback', 90: 'user_canceled', 100: 'no_renegotiation', 109: 'missing_extension', 110: 'unsupported_extension',
  112: 'unrecognized_name', 113: 'bad_certificate_status_response', 115: 'unknown_psk_identity', 116: 'certificate_required',
  120: 'no_application_protocol',
};

export function versionName(version: number): string {
  return VERSIONS[version] ?? `0x${version.toString(16).padStart(4, '0')}`;
}

export function cipherSuiteName(suite: number): string {
  return CIPHER_SUITES[suite] ?? `0x${suite.toString(16).padStart(4, '0')}`;
}

export function alertName(description: number): string {
  return `${ALERTS[description] ?? 'unknown alert'} (${description})`;
}

/** `CN=wirelens.test, O=Wirelens samples` from Node's multi-line distinguished name. */
function distinguishedName(text: string): string {
  return text.split('\n').filter(Boolean).reverse().join(', ');
}

function certificateNames(der: Uint8Array): { subject?: string; issuer?: string } {
  try {
    const certificate = new X509Certificate(der);
    return { subject: distinguishedName(certificate.subject), issuer: distinguishedName(certificate.issuer) };
  } catch {
    return {};
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Groups frames by stream and reads each conversation; `clients` gives each stream's client endpoint. */
export function tlsSessions(frames: readonly TlsFrame[], clients: ReadonlyMap<number, Endpoint>): Map<number, TlsSession> {
  const byStream = new Map<number, TlsFrame[]>();
  for (const frame of frames) {
    if (!clients.has(frame.stream)) continue;
    const list = byStream.get(frame.stream) ?? [];
    list.push(frame);
    byStream.set(frame.stream, list);
  }
  const sessions = new Map<number, TlsSession>();
  for (const [stream, list] of byStream) sessions.set(stream, readSession(stream, list, clients.get(stream)!));
  return sessions;
}

function readSession(stream: number, frames: readonly TlsFrame[], client: Endpoint): TlsSession {
  const records: Record<Direction, TlsRecord[]> = { 'client-to-server': [], 'server-to-client': [] };
  const alerts: TlsAlert[] = [];
  let serverName: string | undefined;
  let alpnOffered: readonly string[] = [];
  let alpn: string | undefined;
  let cipherSuite: string | undefined;
  let negotiated: number | undefined;
  let highestRecordVersion = 0;
  let certificate: { subject?: string; issuer?: string } = {};
  let decrypted = 0;
  let encrypted = 0;
  for (const frame of frames) {
    const direction: Direction = sameEndpoint(frame.src, client) ? 'client-to-server' : 'server-to-client';
    const fromServer = direction === 'server-to-client';
    if (frame.handshakeTypes.includes(HANDSHAKE_CLIENT_HELLO) && !fromServer) {
      serverName ??= frame.serverNames[0];
      if (alpnOffered.length === 0) alpnOffered = frame.alpn;
    }
    if (fromServer) {
      if (frame.handshakeTypes.includes(HANDSHAKE_SERVER_HELLO)) {
        negotiated ??= frame.supportedVersions[0];
        if (frame.cipherSuites[0] !== undefined) cipherSuite ??= cipherSuiteName(frame.cipherSuites[0]);
      }
      // ServerHello (TLS 1.2) or EncryptedExtensions (TLS 1.3, once decrypted) name the chosen protocol.
      alpn ??= frame.alpn[0];
      if (!certificate.subject && frame.certificates[0]) certificate = certificateNames(frame.certificates[0]);
    }
    for (const version of frame.recordVersions) highestRecordVersion = Math.max(highestRecordVersion, version);
    for (const alert of frame.alerts) {
      alerts.push({ direction, frame: frame.frame, level: alert.level === 2 ? 'fatal' : alert.level === 1 ? 'warning' : String(alert.level), description: alertName(alert.description) });
    }
    // Application-data records take the plaintexts in order; if tshark decrypted fewer than there
    // are (some keys missing), the first ones are matched, as tshark decrypts in record order.
    const applicationIndexes = frame.contentTypes.flatMap((type, i) => (type === CONTENT_APPLICATION_DATA ? [i + 1] : []));
    applicationIndexes.forEach((index, n) => {
      const plaintext = frame.decrypted[n];
      if (plaintext) decrypted++;
      else encrypted++;
      records[direction].push({ frame: frame.frame, index, ...(plaintext ? { plaintext } : {}) });
    });
    // Records tshark could not decrypt at all have no content type (TLS 1.3 hides it): only a
    // version. They follow the clear ones (ServerHello, ChangeCipherSpec) in their frame.
    for (let n = frame.contentTypes.length; n < frame.recordVersions.length; n++) {
      encrypted++;
      records[direction].push({ frame: frame.frame, index: n + 1 });
    }
    void CONTENT_ALERT;
  }
  const version = negotiated ?? (highestRecordVersion || undefined);
  const facts: TlsFacts = {
    ...(version ? { version: versionName(version) } : {}),
    ...(serverName ? { serverName } : {}),
    alpnOffered,
    ...(alpn ? { alpn } : {}),
    ...(cipherSuite ? { cipherSuite } : {}),
    ...(certificate.subject ? { certificateSubject: certificate.subject } : {}),
    ...(certificate.issuer ? { certificateIssuer: certificate.issuer } : {}),
    alerts,
    decryption: decrypted === 0 ? 'no-keys' : encrypted === 0 ? 'decrypted' : 'partial',
    encryptedRecords: decrypted + encrypted,
  };
  return { stream, facts, clientToServer: records['client-to-server'], serverToClient: records['server-to-client'] };
}
