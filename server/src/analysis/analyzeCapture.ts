/**
 * The whole pipeline for one capture: segments → TcpReassembler → parseHttpConversation →
 * rules → findings and conversation summaries. The CLI and the language server both call this;
 * neither holds analysis logic of its own.
 */
import * as fs from 'node:fs/promises';
import type { CaptureSummary, ConversationSummary, Finding } from '../../../protocol/model';
import { parseHttpConversation, type HttpConversation } from '../http/httpConversation';
import { ALL_RULES } from '../rules';
import { TcpReassembler, type TcpConnection } from '../tcp/tcpReassembler';
import type { PacketSource } from '../tshark/tcpSegment';
import { TsharkCaptureSource, tsharkVersion, type TsharkOptions } from '../tshark/tsharkRunner';
import { findCaptureViolations, findRuleViolations } from './findRuleViolations';

export interface StreamAnalysis {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
  readonly findings: readonly Finding[];
}

export interface CaptureAnalysis {
  readonly summary: CaptureSummary;
  readonly streams: ReadonlyMap<number, StreamAnalysis>;
  readonly conversations: readonly ConversationSummary[];
  readonly findings: readonly Finding[];
}

export interface AnalyzeOptions extends TsharkOptions {
  readonly signal?: AbortSignal;
  /** Called every few hundred packets with the estimated fraction of the file read. */
  readonly onProgress?: (packets: number, fraction: number) => void;
}

/** A clear sentence for a file that cannot be analysed at all. */
export class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';
}

function summarizeConversation(stream: StreamAnalysis): ConversationSummary {
  const { connection, http, findings } = stream;
  return {
    stream: connection.stream,
    client: connection.client,
    server: connection.server,
    packets: connection.packets,
    bytes: connection.clientToServer.bytes.length + connection.serverToClient.bytes.length,
    start: connection.firstTime,
    durationSeconds: Math.max(0, connection.lastTime - connection.firstTime),
    protocol: http.protocol,
    exchanges: http.exchanges.map(({ request, response }) => ({
      method: request?.requestLine.method,
      target: request?.requestLine.target,
      status: response?.statusLine.status,
      reason: response?.statusLine.reason,
    })),
    findingCount: findings.length,
  };
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
  const analysed = reassembler.finish().map((connection) => {
    const http = parseHttpConversation(connection.clientToServer.bytes, connection.serverToClient.bytes);
    return { connection, http, findings: findRuleViolations(connection, http, ALL_RULES) };
  });
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
  const warnings: string[] = [];
  const source = new TsharkCaptureSource(file, { ...options, onWarning: (warning) => warnings.push(warning) });
  // Both start tshark (about half a second each): run them side by side.
  const [version, { streams, packets }] = await Promise.all([tsharkVersion(options), analyzeSegments(source, stat.size, options)]);
  const findings = [...streams.values()].flatMap((stream) => stream.findings);
  const conversations = [...streams.values()].map(summarizeConversation);
  return {
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
  };
}
