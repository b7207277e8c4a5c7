/**
 * `wirelens conversations FILE` and `wirelens follow FILE STREAM`: the same server code as the
 * editor. pcap/pcapng the direct reader decodes are answered from the capture index (one pass,
 * then only the followed stream's packets are read); anything else is read by tshark.
 */
import * as fs from 'node:fs/promises';
import type { ConversationSummary, Direction, Endpoint, Finding, StreamProtocol } from '../../../protocol/model';
import { analyzeCaptureFile, CaptureFileError, type StreamAnalysis } from '../analysis/analyzeCapture';
import { analyzeIndexedStream } from '../capture/analyzeStream';
import { buildCaptureIndex, indexWarnings, type CaptureIndex, type IndexedConversation } from '../capture/captureIndex';
import { CaptureFormatError } from '../capture/captureRecord';
import { checkCaptureFile } from '../capture/fileSignature';
import { CaptureAbortedError } from '../capture/recordReader';
import { renderStreamDocument } from '../document/renderStreamDocument';
import { directionOf } from '../tcp/tcpReassembler';
import { withTlsStream } from '../tls/analyzeTls';
import { startChildReaper } from '../tshark/processGuard';
import { TsharkError } from '../tshark/tsharkError';
import { printWarnings } from './printWarnings';

export interface StreamCommandOptions {
  readonly positional: readonly string[];
  readonly format?: string;
  readonly tshark?: string;
  /** `--keylog KEYS` among them: the TLS key log for `follow`. */
  readonly named?: Readonly<Record<string, string>>;
}

/** main.ts's usage error (printed with the usage text). */
export type UsageErrorFactory = (message: string) => Error;

export interface Output {
  write(chunk: string | Uint8Array): unknown;
}

/** One row of `wirelens conversations`, whichever reader produced it. */
export interface ConversationRow {
  readonly stream: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** False when no SYN was captured and the client was inferred. */
  readonly clientKnown?: boolean;
  readonly packets: number;
  /** TCP payload bytes, both directions (each byte once: retransmissions are not counted). */
  readonly bytes: number;
  /** Seconds since the epoch of the first packet. */
  readonly start: number;
  readonly durationSeconds: number;
  /** From the first payload bytes (index) or the HTTP parse (tshark path). */
  readonly protocol: StreamProtocol;
  /** Index only: frames and frame bytes (as `tshark -z conv,tcp` counts them) per direction. */
  readonly frames?: { readonly clientToServer: number; readonly serverToClient: number };
  readonly frameBytes?: { readonly clientToServer: number; readonly serverToClient: number };
  readonly firstFrame?: number;
  readonly lastFrame?: number;
}

function checkFormat(format: string | undefined, allowed: readonly string[], usage: UsageErrorFactory): string {
  const chosen = format ?? allowed[0];
  if (!allowed.includes(chosen)) throw usage(`--format must be one of ${allowed.join(', ')}.`);
  return chosen;
}

/**
 * The capture index, or undefined when the direct reader cannot read this file (then tshark
 * does). A file that is no capture at all is refused here (fileSignature.ts).
 */
async function openIndex(file: string, signal: AbortSignal): Promise<CaptureIndex | undefined> {
  if ((await checkCaptureFile(file)).read.reader !== 'direct') return undefined;
  try {
    const outcome = await buildCaptureIndex(file, { signal });
    return 'index' in outcome ? outcome.index : undefined;
  } catch (error) {
    if (error instanceof CaptureAbortedError) throw new TsharkError('cancelled', `Reading ${file} was cancelled.`);
    if (error instanceof CaptureFormatError) return undefined;
    throw error;
  }
}

/** `wirelens follow … | head`: a closed pipe ends the command quietly, as it does for cat. */
function quietOnClosedPipe(out: Output): void {
  if (out !== process.stdout) return;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

function cancelOnSigint(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}

export function rowFromIndex(c: IndexedConversation): ConversationRow {
  const clientIsA = c.client === c.a;
  return {
    stream: c.stream,
    client: c.client,
    server: c.server,
    clientKnown: c.clientKnown,
    packets: c.packets,
    bytes: c.payloadBytes,
    start: c.firstTime,
    durationSeconds: Math.max(0, c.lastTime - c.firstTime),
    protocol: c.protocol,
    frames: { clientToServer: clientIsA ? c.framesAToB : c.framesBToA, serverToClient: clientIsA ? c.framesBToA : c.framesAToB },
    frameBytes: { clientToServer: clientIsA ? c.bytesAToB : c.bytesBToA, serverToClient: clientIsA ? c.bytesBToA : c.bytesAToB },
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
  };
}

export function rowFromSummary(c: ConversationSummary): ConversationRow {
  return { stream: c.stream, client: c.client, server: c.server, packets: c.packets, bytes: c.bytes, start: c.start, durationSeconds: c.durationSeconds, protocol: c.protocol };
}

function endpointText(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** A fixed-width table, one conversation a line; start relative to the first conversation. */
export function formatConversationTable(rows: readonly ConversationRow[]): string {
  const first = rows.reduce((t, r) => Math.min(t, r.start), Infinity);
  const width = Math.max(21, ...rows.map((r) => Math.max(endpointText(r.client).length, endpointText(r.server).length)));
  const header = `${'stream'.padStart(7)}  ${'client'.padEnd(width)}  ${'server'.padEnd(width)}  ${'packets'.padStart(8)}  ${'bytes'.padStart(12)}  ${'start (s)'.padStart(12)}  ${'duration (s)'.padStart(12)}  protocol`;
  const lines = rows.map(
    (r) =>
      `${String(r.stream).padStart(7)}  ${endpointText(r.client).padEnd(width)}  ${endpointText(r.server).padEnd(width)}  ${String(r.packets).padStart(8)}  ${String(r.bytes).padStart(12)}  ` +
      `${(r.start - first).toFixed(6).padStart(12)}  ${r.durationSeconds.toFixed(6).padStart(12)}  ${r.protocol}${r.clientKnown === false ? ' (client inferred)' : ''}`,
  );
  return [header, ...lines, `${rows.length} TCP conversation${rows.length === 1 ? '' : 's'}.`].join('\n') + '\n';
}

export async function conversationsCommand(options: StreamCommandOptions, usage: UsageErrorFactory, out: Output = process.stdout): Promise<number> {
  const [file, ...extra] = options.positional;
  if (!file || extra.length > 0) throw usage('conversations takes exactly one capture file.');
  const format = checkFormat(options.format, ['text', 'json'], usage);
  quietOnClosedPipe(out);
  const signal = cancelOnSigint();
  const index = await openIndex(file, signal);
  let rows: ConversationRow[];
  let packets: number;
  let warnings: readonly string[];
  if (index) {
    rows = index.conversations.map(rowFromIndex);
    packets = index.packets.count;
    warnings = indexWarnings(index);
  } else {
    startChildReaper(); // tshark reads this one: it ends with this process, however that ends
    const analysis = await analyzeCaptureFile(file, { tsharkPath: options.tshark, signal, direct: false });
    rows = analysis.conversations.map(rowFromSummary);
    packets = analysis.summary.packets;
    warnings = analysis.summary.warnings;
  }
  printWarnings(warnings);
  if (format === 'json') {
    out.write(JSON.stringify({ file, reader: index ? 'index' : 'tshark', packets, warnings, conversations: rows }, null, 2) + '\n');
  } else {
    out.write(formatConversationTable(rows));
  }
  return 0;
}

/** One stream's reassembly: from the index (its packets only), or from tshark's reading of the file. */
async function followedStream(file: string, stream: number, tsharkPath: string | undefined, signal: AbortSignal, tlsKeyLogFile?: string): Promise<StreamAnalysis> {
  if (tlsKeyLogFile !== undefined && !(await fs.stat(tlsKeyLogFile).catch(() => undefined))) throw new CaptureFileError(`The key log ${tlsKeyLogFile} does not exist.`);
  const index = await openIndex(file, signal);
  let analysis: StreamAnalysis | undefined;
  if (index) {
    printWarnings(indexWarnings(index));
    analysis = analyzeIndexedStream(index, stream);
  } else {
    startChildReaper();
    const whole = await analyzeCaptureFile(file, { tsharkPath, signal, direct: false, tlsKeyLogFile });
    printWarnings(whole.summary.warnings);
    analysis = whole.streams.get(stream);
  }
  if (!analysis) throw new CaptureFileError(`${file} has no TCP stream ${stream}.`);
  // A TLS stream: its handshake facts, and with keys (a key log, or keys embedded in the pcapng) its decrypted HTTP.
  if (!index || analysis.http.protocol !== 'tls') return analysis;
  startChildReaper();
  return withTlsStream(file, index, analysis, { tsharkPath, tlsKeyLogFile, signal });
}

/** The payload in capture order, segment run by segment run (what `tshark -z follow,tcp,raw` shows, as bytes). */
export function payloadInCaptureOrder(analysis: StreamAnalysis): { direction: Direction; frame: number; offset: number; bytes: Uint8Array }[] {
  const runs = (['client-to-server', 'server-to-client'] as const).flatMap((direction) => {
    const reassembled = directionOf(analysis.connection, direction);
    return reassembled.spans.map((span) => ({ direction, frame: span.frame, offset: span.offset, bytes: reassembled.bytes.subarray(span.offset, span.offset + span.length) }));
  });
  return runs.sort((x, y) => x.frame - y.frame || x.offset - y.offset);
}

export function followJson(analysis: StreamAnalysis): unknown {
  const { connection, http, findings } = analysis;
  const direction = (d: Direction) => {
    const r = directionOf(connection, d);
    return { length: r.bytes.length, base64: Buffer.from(r.bytes).toString('base64'), gaps: r.gaps, finFrame: r.finFrame, rstFrame: r.rstFrame };
  };
  return {
    stream: connection.stream,
    client: connection.client,
    server: connection.server,
    clientKnown: connection.clientKnown,
    packets: connection.packets,
    start: connection.firstTime,
    durationSeconds: Math.max(0, connection.lastTime - connection.firstTime),
    protocol: http.protocol,
    clientToServer: direction('client-to-server'),
    serverToClient: direction('server-to-client'),
    segments: payloadInCaptureOrder(analysis).map(({ direction: d, frame, offset, bytes }) => ({ direction: d, frame, offset, length: bytes.length })),
    exchanges: http.exchanges.map(({ request, response }) => ({
      request: request && { method: request.requestLine.method, target: request.requestLine.target, offset: request.offset, end: request.end },
      response: response && { status: response.statusLine.status, reason: response.statusLine.reason, offset: response.offset, end: response.end },
    })),
    findings: findings as readonly Finding[],
    ...(analysis.tls ? { tls: analysis.tls.facts } : {}),
  };
}

export async function followCommand(options: StreamCommandOptions, usage: UsageErrorFactory, out: Output = process.stdout): Promise<number> {
  const [file, streamText, ...extra] = options.positional;
  if (!file || streamText === undefined || extra.length > 0) throw usage('follow takes a capture file and a stream number.');
  if (!/^\d+$/.test(streamText)) throw usage(`the stream must be a number (tshark's tcp.stream), not "${streamText}".`);
  const format = checkFormat(options.format, ['text', 'raw', 'json'], usage);
  quietOnClosedPipe(out);
  const analysis = await followedStream(file, Number(streamText), options.tshark, cancelOnSigint(), options.named?.keylog);
  if (format === 'raw') {
    for (const run of payloadInCaptureOrder(analysis)) out.write(run.bytes);
  } else if (format === 'json') {
    out.write(JSON.stringify(followJson(analysis), null, 2) + '\n');
  } else {
    const text = renderStreamDocument(file, 'http', analysis).text;
    out.write(text.endsWith('\n') ? text : text + '\n');
  }
  return 0;
}
