/** The lines a followed TLS stream's heading adds: what the handshake says, and whether it was decrypted. */
import type { TlsStreamInfo } from '../tls/analyzeTls';
import { escapeLatin1 } from '../text/escapeBytes';

/** Said wherever an encrypted conversation is shown (documents, CLI). */
export const ATTACH_KEY_LOG_HINT =
  'encrypted: attach a key log to read the HTTP inside (Wirelens: Attach TLS Key Log…, the wirelens.tlsKeyLogFile setting, or wirelens analyze --keylog FILE)';

/** `TLS 1.3 · SNI wirelens.test · ALPN h2 (offered h2, http/1.1) · TLS_AES_256_GCM_SHA384`. */
export function tlsSummaryLine(tls: TlsStreamInfo['facts']): string {
  const alpn = tls.alpn ? `ALPN ${tls.alpn}${tls.alpnOffered.length ? ` (offered ${tls.alpnOffered.join(', ')})` : ''}` : tls.alpnOffered.length ? `ALPN offered ${tls.alpnOffered.join(', ')}` : '';
  return [tls.version ?? 'TLS', tls.serverName ? `SNI ${tls.serverName}` : 'no SNI', alpn, tls.cipherSuite ?? ''].filter(Boolean).map(escapeLatin1).join(' · ');
}

export function tlsHeading(tls: TlsStreamInfo | undefined): string[] {
  if (!tls) return [];
  const { facts } = tls;
  const lines = [tlsSummaryLine(facts)];
  if (facts.certificateSubject) lines.push(`certificate ${escapeLatin1(facts.certificateSubject)}${facts.certificateIssuer && facts.certificateIssuer !== facts.certificateSubject ? `, issued by ${escapeLatin1(facts.certificateIssuer)}` : facts.certificateIssuer ? ' (self-signed)' : ''}`);
  for (const alert of facts.alerts) lines.push(`alert ${alert.level} ${alert.description} from the ${alert.direction === 'client-to-server' ? 'client' : 'server'} (frame ${alert.frame})`);
  if (facts.decryption === 'decrypted') lines.push(`decrypted with the session keys (${facts.encryptedRecords} TLS records): the HTTP shown is their plaintext, and findings name the record that carried them`);
  else if (facts.decryption === 'partial') lines.push('partly decrypted: some TLS records had no keys; they are gaps in the bytes below');
  else lines.push(facts.encryptedRecords > 0 ? ATTACH_KEY_LOG_HINT : 'no application data was exchanged');
  return lines;
}
