/**
 * The whole pipeline for one capture: segments → TcpReassembler → parseHttpConversation →
 * rules → findings and conversation summaries. The CLI and the language server both call this;
 * neither holds analysis logic of its own.
 */
import * as fs from 'node:fs/promises';
import type { CaptureSummary, ConversationSummary, Finding } from '../../../protocol/model';
import { buildCaptureIndex, type CaptureIndex } from '../capture/captureIndex';
import { CaptureFormatError } from '../capture/captureRecord';
import { analyzeConnection } from '../capture/analyzeStream';
import { analyzeIndexedCapture } from '../capture/indexedAnalysis';
import { CaptureAbortedError } from '../capture/recordReader';
import { ScanAbortedError } from '../capture/streamScanner';
import type { HttpConversation } from '../http/httpConversation';
import { ALL_RULES } from '../rules';
import { TcpReassembler, type TcpConnection } from '../tcp/tcpReassembler';
import type { PacketSource } from '../tshark/tcpSegment';
import { TsharkError } from '../tshark/tsharkError';
import { TsharkCaptureSource, tsharkVersion, type TsharkOptions } from '../tshark/tsharkRunner';
import { analyzeTlsStreams, type TlsStreamInfo } from '../tls/analyzeTls';
import { findCaptureViolations } from './findRuleViolations';
import { summarizeConversation } from './summarizeConversation';

export interface StreamAnalysis {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
  readonly findings: readonly Finding[];
  /** TLS streams: handshake facts; decrypted ones also their records and the captured transport. */
  readonly tls?: TlsStreamInfo;
}

export interface CaptureAnalysis {
  readonly summary: CaptureSummary;
  readonly streams: ReadonlyMap<number, StreamAnalysis>;
  readonly conversations: readonly ConversationSummary[];
  readonly findings: readonly Finding[];
  /** Set when the capture was read directly (pcap/pcapng): conversations and packets by stream. */
  readonly index?: CaptureIndex;
}

export interface AnalyzeOptions extends TsharkOptions {
  readonly signal?: AbortSignal;
  /** Called every few hundred packets with the estimated fraction of the file read. */
  readonly onProgress?: (packets: number, fraction: number) => void;
  /** Direct reads: once the index exists (before the scan), so conversations can be listed at once. */
  readonly onIndex?: (index: CaptureIndex) => void;
  /** Direct reads: findings as the scan finds them, stream by stream. */
  readonly onFindings?: (findings: readonly Finding[]) => void;
  /** False: always let tshark read the file (the direct reader is otherwise used when it can). */
  readonly direct?: boolean;
  /** Scan worker threads for direct reads (default: one per core for large captures; 0: none). */
  readonly workers?: number;
  /** SSLKEYLOGFILE-format key log for TLS streams (keys embedded in a pcapng are used without it). */
  readonly tlsKeyLogFile?: string;
}

/** A clear sentence for a file that cannot be analysed at all. */
export class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';
}

/** Per-record overhead (pcap record header; pcapng blocks are a little larger) for progress estimates. */
const RECORD_OVERHEAD = 24;
const PROGRESS_EVERY = 500;

export async function analyzeSegments(
  source: PacketSource,
  fileSize: number,
  options: Pick<AnalyzeOptions, 'signal' | 'onProgress'> = {},
): Promise<{ streams: Map<number, StreamAnalysis>; packets: number }> {
  const reassembler = new TcpReassembler();
  let packets = 0;
  let bytesSeen = 0;
  for await (const segment of source.segments(options.signal)) {
    reassembler.add(segment);
    packets++;
    bytesSeen += segment.capturedLength + RECORD_OVERHEAD;
    if (packets % PROGRESS_EVERY === 0) options.onProgress?.(packets, Math.min(0.99, bytesSeen / Math.max(1, fileSize)));
  }
  const analysed = reassembler.finish().map((connection) => analyzeConnection(connection));
  const captureFindings = findCaptureViolations(analysed, ALL_RULES);
  const streams = new Map<number, StreamAnalysis>();
  for (const stream of analysed) {
    const extra = captureFindings.filter((finding) => finding.stream === stream.connection.stream);
    streams.set(stream.connection.stream, extra.length ? { ...stream, findings: [...stream.findings, ...extra] } : stream);
  }
  options.onProgress?.(packets, 1);
  return { streams, packets };
}

export async function analyzeCaptureFile(file: string, options: AnalyzeOptions = {}): Promise<CaptureAnalysis> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) throw new CaptureFileError(`${file} does not exist.`);
  if (!stat.isFile()) throw new CaptureFileError(`${file} is not a file.`);
  if (options.direct !== false) {
    const direct = await analyzeDirectly(file, options);
    if (direct) return analyzeTlsStreams(file, direct, options);
  }
  const warnings: string[] = [];
  const source = new TsharkCaptureSource(file, { ...options, onWarning: (warning) => warnings.push(warning) });
  // Both start tshark (about half a second each): run them side by side.
  const [version, { streams, packets }] = await Promise.all([tsharkVersion(options), analyzeSegments(source, stat.size, options)]);
  const findings = [...streams.values()].flatMap((stream) => stream.findings);
  const conversations = [...streams.values()].map(summarizeConversation);
  return analyzeTlsStreams(file, {
    summary: {
      file,
      sizeBytes: stat.size,
      packets,
      conversations: conversations.length,
      findings: findings.length,
      tsharkVersion: version,
      warnings,
    },
    streams,
    conversations,
    findings,
  }, options);
}

/** Share of the progress bar the index pass takes; the scan takes the rest. */
const INDEX_SHARE = 0.15;

/**
 * pcap/pcapng the direct reader decodes: index, then scan (server/src/capture). Undefined when
 * it cannot (another format, link type or encapsulation, a damaged file): tshark reads it then.
 */
async function analyzeDirectly(file: string, options: AnalyzeOptions): Promise<CaptureAnalysis | undefined> {
  const cancelled = () => new TsharkError('cancelled', `Reading ${file} was cancelled.`);
  try {
    const versionRun = tsharkVersion(options);
    versionRun.catch(() => undefined);
    const outcome = await buildCaptureIndex(file, {
      signal: options.signal,
      onProgress: (packets, fraction) => options.onProgress?.(packets, fraction * INDEX_SHARE),
    });
    if ('unsupported' in outcome) return undefined;
    const { index } = outcome;
    options.onIndex?.(index);
    const analysis = await analyzeIndexedCapture(index, {
      signal: options.signal,
      workers: options.workers,
      onFindings: options.onFindings,
      onProgress: (packets, fraction) => options.onProgress?.(packets, INDEX_SHARE + (1 - INDEX_SHARE) * Math.min(0.99, fraction)),
    });
    options.onProgress?.(index.packets.count, 1);
    const warnings = index.truncated ? [`${file}: the file appears to have been cut short in the middle of a packet (results are partial).`] : [];
    return {
      summary: {
        file,
        sizeBytes: index.size,
        packets: index.packets.count,
        conversations: analysis.conversations.length,
        findings: analysis.findings.length,
        tsharkVersion: await versionRun,
        warnings,
      },
      streams: analysis.streams,
      conversations: analysis.conversations,
      findings: analysis.findings,
      index,
    };
  } catch (error) {
    if (error instanceof CaptureAbortedError || error instanceof ScanAbortedError) throw cancelled();
    if (error instanceof CaptureFormatError) return undefined;
    throw error;
  }
}
