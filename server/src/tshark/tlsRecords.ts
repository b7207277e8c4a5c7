/**
 * TLS as tshark dissects it: per frame, the records' content types, the handshake facts (SNI,
 * ALPN, versions, cipher suite, certificates), alerts, and, when tshark has keys (a key log
 * passed with `-o tls.keylog_file:`, or a Decryption Secrets Block in the pcapng), each
 * application-data record's decrypted bytes.
 *
 * Why these arguments (tshark 4.0): decrypted bytes have no field of their own; they reach the
 * dissector that tshark picks for the application protocol. With `http` and `http2` disabled,
 * that is the `data` dissector, whose `data.data` holds each record's plaintext, one value per
 * application-data record, in record order. (`-z follow,tls,raw` also gives the plaintext, but
 * without frame numbers, one run per stream, and with both nodes printed as ":0" in 4.0.)
 * Disabling everything else (`--disable-protocol ALL`) stops tshark 4.0 from calling `data`
 * for decrypted records at all, so only the two protocols are disabled.
 */
import { execa, ExecaError } from 'execa';
import type { Endpoint } from '../../../protocol/model';
import { streamFilter } from './streamFilter';
import { TsharkError } from './tsharkError';
import { binary, companionBinary, readTsharkLines, type TsharkOptions } from './tsharkRunner';

export const TLS_FIELDS = [
  'frame.number',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'tls.record.content_type',
  'tls.record.version',
  'tls.handshake.type',
  'tls.handshake.extensions.supported_version',
  'tls.handshake.extensions_server_name',
  'tls.handshake.extensions_alpn_str',
  'tls.handshake.ciphersuite',
  'tls.handshake.certificate',
  'tls.alert_message.level',
  'tls.alert_message.desc',
  'data.data',
] as const;

export interface TlsArgsOptions {
  /** SSLKEYLOGFILE-format key log; keys embedded in the pcapng are used either way. */
  readonly keyLogFile?: string;
  /** Only these TCP streams (tshark still reads the whole file, but writes less). */
  readonly streams?: readonly number[];
}

export function buildTlsArgs(file: string, options: TlsArgsOptions = {}): string[] {
  return [
    '-r', file,
    '-T', 'ek',
    '-Y', options.streams?.length ? `tls && ${streamFilter(options.streams)}` : 'tls',
    // Records that span segments are dissected (and decrypted) in the frame that completes them.
    '-o', 'tcp.desegment_tcp_streams:TRUE',
    '-o', 'tls.desegment_ssl_records:TRUE',
    ...(options.keyLogFile ? ['-o', `tls.keylog_file:${options.keyLogFile}`] : []),
    '--disable-protocol', 'http',
    '--disable-protocol', 'http2',
    ...TLS_FIELDS.flatMap((field) => ['-e', field]),
  ];
}

/** One frame with TLS records in it, as tshark reported it. */
export interface TlsFrame {
  readonly frame: number;
  readonly stream: number;
  readonly src: Endpoint;
  /** Content type of each record, in order (the inner type once decrypted: 22 for TLS 1.3 handshake records). */
  readonly contentTypes: readonly number[];
  readonly recordVersions: readonly number[];
  readonly handshakeTypes: readonly number[];
  readonly supportedVersions: readonly number[];
  readonly serverNames: readonly string[];
  readonly alpn: readonly string[];
  readonly cipherSuites: readonly number[];
  /** DER certificates, leaf first. */
  readonly certificates: readonly Uint8Array[];
  readonly alerts: readonly { readonly level: number; readonly description: number }[];
  /** Plaintext of each decrypted application-data record, in order. */
  readonly decrypted: readonly Uint8Array[];
}

type EkLayers = Record<string, string[] | undefined>;

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/:/g, ''), 'hex'));
const numbers = (values: readonly string[] | undefined) => (values ?? []).map((v) => Number(v));

/** One `-T ek` line → a TLS frame, or undefined for index lines. */
export function parseTlsEkLine(line: string): TlsFrame | undefined {
  if (!line.startsWith('{"timestamp"')) return undefined;
  const layers = (JSON.parse(line) as { layers?: EkLayers }).layers;
  const stream = layers?.tcp_stream?.[0];
  if (!layers || stream === undefined) return undefined;
  const levels = numbers(layers.tls_alert_message_level);
  const descriptions = numbers(layers.tls_alert_message_desc);
  const lastOf = (key: string) => layers[key]?.[layers[key]!.length - 1];
  return {
    frame: Number(layers.frame_number?.[0]),
    stream: Number(stream),
    src: { address: lastOf('ip_src') ?? lastOf('ipv6_src') ?? '?', port: Number(layers.tcp_srcport?.[0]) },
    contentTypes: numbers(layers.tls_record_content_type),
    recordVersions: numbers(layers.tls_record_version),
    handshakeTypes: numbers(layers.tls_handshake_type),
    supportedVersions: numbers(layers.tls_handshake_extensions_supported_version),
    serverNames: layers.tls_handshake_extensions_server_name ?? [],
    alpn: layers.tls_handshake_extensions_alpn_str ?? [],
    cipherSuites: numbers(layers.tls_handshake_ciphersuite),
    certificates: (layers.tls_handshake_certificate ?? []).map(hex),
    alerts: descriptions.map((description, i) => ({ level: levels[i] ?? 0, description })),
    decrypted: (layers.data_data ?? []).map(hex),
  };
}

export interface TlsReadOptions extends TsharkOptions, TlsArgsOptions {
  readonly signal?: AbortSignal;
  /** What messages call the file (a cut is named after the capture it came from). */
  readonly label?: string;
}

/** Every frame with TLS records in the capture (streamed from tshark, collected). */
export async function readTlsFrames(file: string, options: TlsReadOptions = {}): Promise<TlsFrame[]> {
  const subprocess = execa(binary(options), buildTlsArgs(file, options), {
    cancelSignal: options.signal,
    forceKillAfterDelay: 2000,
    buffer: { stdout: false, stderr: true },
    stdin: 'ignore',
    reject: false,
  });
  const frames: TlsFrame[] = [];
  // A file cut short or damaged: the records before it are kept (the analysis warns about the file already).
  for await (const frame of readTsharkLines(subprocess, options.label ?? file, options, parseTlsEkLine)) frames.push(frame);
  return frames;
}

/** `editcap --inject-secrets tls,KEYS IN OUT`: a pcapng copy of IN with the key log embedded (a Decryption Secrets Block). */
export function buildInjectSecretsArgs(input: string, keyLogFile: string, output: string): string[] {
  return ['--inject-secrets', `tls,${keyLogFile}`, input, output];
}

/** editcap ships with tshark: next to an explicit tshark path, else on PATH. */
export function editcapBinary(options: TsharkOptions): string {
  return companionBinary(options, 'editcap');
}

/** Writes `output`: `input` with the key log embedded. Fails with one sentence. */
export async function injectTlsSecrets(input: string, keyLogFile: string, output: string, options: TsharkOptions & { signal?: AbortSignal } = {}): Promise<void> {
  try {
    const result = await execa(editcapBinary(options), buildInjectSecretsArgs(input, keyLogFile, output), {
      cancelSignal: options.signal,
      timeout: 120_000,
      reject: false,
      stdin: 'ignore',
    });
    if ((result as { code?: string }).code === 'ENOENT') throw new TsharkError('not-found', `editcap was not found (looked for "${editcapBinary(options)}"): it comes with tshark (Debian/Ubuntu: sudo apt-get install tshark).`);
    if (result.exitCode !== 0) {
      const detail = String(result.stderr ?? '').split('\n').find((l) => l.trim() && !l.startsWith('Running as user')) ?? `exit code ${result.exitCode}`;
      throw new TsharkError('failed', `editcap could not embed ${keyLogFile} into a copy of ${input}: ${detail.trim()}`, String(result.stderr ?? ''));
    }
  } catch (error) {
    if (error instanceof ExecaError && error.code === 'ENOENT') throw new TsharkError('not-found', `editcap was not found (looked for "${editcapBinary(options)}").`);
    throw error;
  }
}
