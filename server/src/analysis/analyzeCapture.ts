/**
 * The whole pipeline for one capture: segments → TcpReassembler → parseHttpConversation →
 * rules → findings and conversation summaries. The CLI and the language server both call this;
 * neither holds analysis logic of its own.
 */
import type { CaptureSummary, ConversationSummary, Finding } from '../../../protocol/model';
import { buildCaptureIndex, indexFileFacts, indexWarnings, type CaptureIndex, type IndexOptions } from '../capture/captureIndex';
import { captureFileFacts } from '../tshark/captureInfo';
import { CaptureFileError } from '../capture/captureFileError';
import { CaptureFormatError } from '../capture/captureRecord';
import { checkCaptureFile } from '../capture/fileSignature';
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
  /** Direct reads, while the index pass runs: the conversations found so far (see IndexOptions). */
  readonly onConversations?: IndexOptions['onConversations'];
  /** The index pass stopped at something it does not decode: tshark reads the file, and the conversations reported so far are void. */
  readonly onIndexAbandoned?: () => void;
  /** Direct reads: findings as the scan finds them, stream by stream. */
  readonly onFindings?: (findings: readonly Finding[]) => void;
  /** False: always let tshark read the file (the direct reader is otherwise used when it can). */
  readonly direct?: boolean;
  /** Scan worker threads for direct reads (default: one per core for large captures; 0: none). */
  readonly workers?: number;
  /** SSLKEYLOGFILE-format key log for TLS streams (keys embedded in a pcapng are used without it). */
  readonly tlsKeyLogFile?: string;
}

export { CaptureFileError };

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

/**
 * Every way in: the file is checked first (fileSignature.ts: missing, empty, too short, not a
 * capture); pcap/pcapng go to the direct reader, anything it cannot decode to tshark.
 */
export async function analyzeCaptureFile(file: string, options: AnalyzeOptions = {}): Promise<CaptureAnalysis> {
  const checked = await checkCaptureFile(file);
  let unsupported: string | undefined;
  if (checked.read.reader === 'direct' && options.direct !== false) {
    const direct = await analyzeDirectly(file, options);
    if ('analysis' in direct) return analyzeTlsStreams(file, direct.analysis, options);
    unsupported = direct.unsupported;
    options.onIndexAbandoned?.();
  }
  const looksLike = checked.read.reader === 'tshark' ? checked.read.looksLike : undefined;
  return analyzeTlsStreams(file, await analyzeWithTshark(file, checked.size, options, { looksLike, unsupported }), options);
}

/**
 * tshark reads the file (`-T ek`, streamed). Its version is asked at the same time (both take
 * about half a second to start); a tshark that is missing or too old stops the reading at once.
 */
async function analyzeWithTshark(file: string, size: number, options: AnalyzeOptions, why: { looksLike?: string; unsupported?: string }): Promise<CaptureAnalysis> {
  const warnings: string[] = [];
  const versionFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, versionFailed.signal]) : versionFailed.signal;
  const versionRun = tsharkVersion(options);
  versionRun.catch(() => versionFailed.abort());
  // The header's link type and time span: capinfos reads the file beside tshark (none if it cannot).
  const facts = captureFileFacts(file, { tsharkPath: options.tsharkPath, signal }).catch(() => ({}));
  const source = new TsharkCaptureSource(file, { ...options, onWarning: (warning) => warnings.push(warning) });
  let read: Awaited<ReturnType<typeof analyzeSegments>>;
  try {
    read = await analyzeSegments(source, size, { ...options, signal });
  } catch (error) {
    if (versionFailed.signal.aborted) await versionRun; // throws the version's failure: the reason the read stopped
    if (error instanceof TsharkError && error.failure === 'not-a-capture' && why.looksLike) {
      throw new CaptureFileError(error.message.replace(/\.$/, `: it looks like ${why.looksLike}.`));
    }
    throw error;
  }
  const { streams, packets } = read;
  if (packets === 0 && warnings.length === 0) {
    warnings.push(`tshark found no TCP packet in ${file}${why.unsupported ? ` (Wirelens' own reader stopped at ${why.unsupported})` : ''}, so there is nothing to analyse.`);
  }
  const findings = [...streams.values()].flatMap((stream) => stream.findings);
  const conversations = [...streams.values()].map(summarizeConversation);
  return {
    summary: {
      file,
      sizeBytes: size,
      packets,
      conversations: conversations.length,
      findings: findings.length,
      tsharkVersion: await versionRun,
      warnings,
      ...(await facts),
    },
    streams,
    conversations,
    findings,
  };
}

/** Share of the progress bar the index pass takes; the scan takes the rest. */
const INDEX_SHARE = 0.15;

/**
 * pcap/pcapng the direct reader decodes: index, then scan (server/src/capture). A file cut short
 * or damaged gives the packets before the problem and a warning; a link type or encapsulation
 * the reader does not decode gives `unsupported`, and tshark reads the file instead.
 */
async function analyzeDirectly(file: string, options: AnalyzeOptions): Promise<{ analysis: CaptureAnalysis } | { unsupported: string }> {
  const cancelled = () => new TsharkError('cancelled', `Reading ${file} was cancelled.`);
  try {
    const versionRun = tsharkVersion(options);
    versionRun.catch(() => undefined);
    const outcome = await buildCaptureIndex(file, {
      signal: options.signal,
      onConversations: options.onConversations,
      onProgress: (packets, fraction) => options.onProgress?.(packets, fraction * INDEX_SHARE),
    });
    if ('unsupported' in outcome) return outcome;
    const { index } = outcome;
    options.onIndex?.(index);
    // A missing or too old tshark fails the run before the scan, not after it.
    const version = await versionRun;
    const analysis = await analyzeIndexedCapture(index, {
      signal: options.signal,
      workers: options.workers,
      onFindings: options.onFindings,
      onProgress: (packets, fraction) => options.onProgress?.(packets, INDEX_SHARE + (1 - INDEX_SHARE) * Math.min(0.99, fraction)),
    });
    options.onProgress?.(index.packets.count, 1);
    return {
      analysis: {
        summary: {
          file,
          sizeBytes: index.size,
          packets: index.packets.count,
          conversations: analysis.conversations.length,
          findings: analysis.findings.length,
          tsharkVersion: version,
          warnings: indexWarnings(index),
          // From the index: capinfos only for an interface whose link type has no name here.
          ...(indexFileFacts(index) ?? (await captureFileFacts(index.file, { tsharkPath: options.tsharkPath, signal: options.signal }).catch(() => ({})))),
        },
        streams: analysis.streams,
        conversations: analysis.conversations,
        findings: analysis.findings,
        index,
      },
    };
  } catch (error) {
    if (error instanceof CaptureAbortedError || error instanceof ScanAbortedError) throw cancelled();
    if (error instanceof CaptureFormatError) return { unsupported: error.message };
    throw error;
  }
}
