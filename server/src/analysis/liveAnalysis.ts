/**
 * The analysis of a capture that is still growing. Each TCP stream keeps its own reassembler
 * (a TcpReassembler rebuilds from its stored segments on every `finish()`), so an update
 * re-analyses only the streams that received segments, through the same steps as a capture file:
 * analyzeConnection (HTTP parse, message and connection rules), then the capture-scope rules over
 * every stream. When the capture has ended, `update({ final: true })` gives what
 * analyzeCaptureFile gives for the saved file.
 *
 * While packets still arrive, a message that is not complete yet is often wrong in passing (an
 * incomplete message, a body shorter than its Content-Length): findings inside such a message
 * are held back until it completes, its sender closes the connection, or the capture ends.
 */
import type { ConversationSummary, Direction, Finding, LiveFinding } from '../../../protocol/model';
import { analyzeConnection } from '../capture/analyzeStream';
import type { HttpMessage } from '../http/httpMessage';
import { ALL_RULES } from '../rules';
import { directionOf, spanAt, TcpReassembler, type ReassembledDirection, type TcpConnection } from '../tcp/tcpReassembler';
import type { TcpSegment } from '../tshark/tcpSegment';
import type { StreamAnalysis } from './analyzeCapture';
import { findCaptureViolations } from './findRuleViolations';
import { summarizeConversation } from './summarizeConversation';

/** While streams keep changing, capture-scope rules still run this often. */
const CAPTURE_RULES_EVERY_MS = 1000;

export interface LiveUpdate {
  /** Streams whose analysis changed (new segments, or capture-scope findings that moved). */
  readonly changed: readonly StreamAnalysis[];
  /** Their conversation rows, in the same order. */
  readonly rows: readonly ConversationSummary[];
  readonly newFindings: readonly LiveFinding[];
}

/** Same rule, same bytes: the same finding, however often the stream is re-analysed. */
function findingKey(finding: Finding): string {
  return `${finding.ruleId}|${finding.stream}|${finding.direction}|${finding.offset}|${finding.length}`;
}

/** Capture time of the frame holding reassembled byte `offset`. */
function timeAt(direction: ReassembledDirection, offset: number): number | undefined {
  return spanAt(direction, offset)?.time;
}

/** The message of `direction` that holds byte `offset`, if any. */
function messageAt(stream: StreamAnalysis, direction: Direction, offset: number): HttpMessage | undefined {
  const messages: readonly HttpMessage[] = direction === 'client-to-server' ? stream.http.requests : stream.http.responses;
  return messages.find((message) => message.offset <= offset && offset < Math.max(message.end, message.offset + 1));
}

/** Its sender has closed (FIN or RST): nothing more will arrive in this direction. */
function closed(connection: TcpConnection, direction: Direction): boolean {
  const side = directionOf(connection, direction);
  return side.finFrame !== undefined || side.rstFrame !== undefined;
}

export class LiveAnalysis {
  private readonly reassemblers = new Map<number, TcpReassembler>();
  private readonly dirty = new Set<number>();
  /** Per stream, without capture-scope findings. */
  private readonly own = new Map<number, StreamAnalysis>();
  /** Per stream, with them: what the views show. */
  private readonly merged = new Map<number, StreamAnalysis>();
  private readonly summaries = new Map<number, ConversationSummary>();
  private readonly reported = new Set<string>();
  private captureFindings = new Map<number, readonly Finding[]>();
  private captureRulesAt = 0;
  private packetCount = 0;
  private payload = 0;

  get packets(): number {
    return this.packetCount;
  }

  /** TCP payload held so far, in bytes (the analysis keeps every segment until the capture ends). */
  get payloadBytes(): number {
    return this.payload;
  }

  add(segment: TcpSegment): void {
    let reassembler = this.reassemblers.get(segment.stream);
    if (!reassembler) {
      reassembler = new TcpReassembler();
      this.reassemblers.set(segment.stream, reassembler);
    }
    reassembler.add(segment);
    this.dirty.add(segment.stream);
    this.packetCount++;
    this.payload += segment.payload.length;
  }

  get pending(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * Re-analyses the streams that received segments. `final`: the capture has ended, so nothing is
   * held back any more. `now` stamps new findings (server clock, ms).
   */
  update(options: { final?: boolean; now?: number; budgetMs?: number } = {}): LiveUpdate {
    const changedIds = new Set<number>();
    // With a budget, streams left over stay dirty for the next update, so one update never holds
    // the event loop long (the capture's pipes are read on the same thread). Not at the end.
    const deadline = options.final || options.budgetMs === undefined ? Infinity : performance.now() + options.budgetMs;
    for (const stream of this.dirty) {
      if (changedIds.size > 0 && performance.now() > deadline) break;
      this.dirty.delete(stream);
      const connection = this.reassemblers.get(stream)?.finish()[0];
      if (!connection) continue;
      this.own.set(stream, analyzeConnection(connection, ALL_RULES));
      changedIds.add(stream);
    }
    // Capture-scope rules relate streams to each other: they run once every changed stream is in
    // (or at least every second while streams keep changing), and at the end.
    const now = options.now ?? Date.now();
    const captureRulesDue = this.dirty.size === 0 || now - this.captureRulesAt >= CAPTURE_RULES_EVERY_MS;
    if ((changedIds.size > 0 && captureRulesDue) || options.final) {
      this.captureRulesAt = now;
      const byStream = new Map<number, Finding[]>();
      for (const finding of findCaptureViolations([...this.own.values()], ALL_RULES)) {
        const list = byStream.get(finding.stream) ?? [];
        list.push(finding);
        byStream.set(finding.stream, list);
      }
      for (const stream of new Set([...byStream.keys(), ...this.captureFindings.keys()])) {
        const before = (this.captureFindings.get(stream) ?? []).map(findingKey).join('\n');
        const after = (byStream.get(stream) ?? []).map(findingKey).join('\n');
        if (before !== after) changedIds.add(stream);
      }
      this.captureFindings = byStream;
    }
    const changed: StreamAnalysis[] = [];
    const rows: ConversationSummary[] = [];
    const newFindings: LiveFinding[] = [];
    // At the end, every stream: findings held back on a stream that got no more segments are shown now.
    const candidates = options.final ? [...this.own.keys()] : [...changedIds];
    for (const stream of candidates.sort((a, b) => a - b)) {
      const own = this.own.get(stream);
      if (!own) continue;
      const extra = this.captureFindings.get(stream) ?? [];
      const all = extra.length ? [...own.findings, ...extra] : own.findings;
      const shown = options.final ? all : all.filter((finding) => this.settled(own, finding));
      if (!changedIds.has(stream) && shown.length === this.merged.get(stream)?.findings.length) continue;
      const analysis: StreamAnalysis = { ...own, findings: shown };
      this.merged.set(stream, analysis);
      const row = summarizeConversation(analysis);
      this.summaries.set(stream, row);
      changed.push(analysis);
      rows.push(row);
      for (const finding of shown) {
        const key = findingKey(finding);
        if (this.reported.has(key)) continue;
        this.reported.add(key);
        newFindings.push({ finding, packetTime: this.completionTime(own, finding), foundAt: now });
      }
    }
    return { changed, rows, newFindings };
  }

  /** A finding may be shown unless its message is still arriving. */
  private settled(stream: StreamAnalysis, finding: Finding): boolean {
    const message = messageAt(stream, finding.direction, finding.offset);
    return !message || message.complete || closed(stream.connection, finding.direction);
  }

  /** When the packet that completed the finding's message was captured (seconds since the epoch). */
  private completionTime(stream: StreamAnalysis, finding: Finding): number {
    const { connection } = stream;
    const message = messageAt(stream, finding.direction, finding.offset);
    const end = message ? Math.max(message.offset, message.end - 1) : finding.offset + Math.max(0, finding.length - 1);
    return timeAt(directionOf(connection, finding.direction), end) ?? connection.lastTime;
  }

  stream(id: number): StreamAnalysis | undefined {
    return this.merged.get(id);
  }

  /** Every analysed stream, in stream order. */
  streams(): ReadonlyMap<number, StreamAnalysis> {
    return new Map([...this.merged.entries()].sort(([a], [b]) => a - b));
  }

  conversations(): ConversationSummary[] {
    return [...this.summaries.entries()].sort(([a], [b]) => a - b).map(([, summary]) => summary);
  }

  findings(): Finding[] {
    return [...this.streams().values()].flatMap((stream) => stream.findings);
  }

  get conversationCount(): number {
    return this.merged.size;
  }

  get findingCount(): number {
    let count = 0;
    for (const stream of this.merged.values()) count += stream.findings.length;
    return count;
  }
}
