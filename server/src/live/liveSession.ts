/**
 * One live capture from start to saved file: LiveCapture's segments go into LiveAnalysis, and
 * every few tens of milliseconds the streams that changed are re-analysed and reported as a
 * LiveCaptureStatus. The language server and the CLI both drive captures through this class;
 * neither holds capture or analysis logic of its own.
 */
import type { CaptureLimits, ConversationSummary, LiveCaptureSource, LiveCaptureState, LiveCaptureStatus, LiveFinding } from '../../../protocol/model';
import type { CaptureAnalysis, StreamAnalysis } from '../analysis/analyzeCapture';
import { LiveAnalysis, type LiveUpdate } from '../analysis/liveAnalysis';
import { LiveCapture, type LiveCaptureOptions } from '../tshark/liveCapture';
import { TsharkError } from '../tshark/tsharkError';
import { tsharkVersion } from '../tshark/tsharkRunner';

export interface LiveSessionOptions extends LiveCaptureOptions {
  /** Every update: the status (with its deltas) and the analyses of the streams that changed. */
  readonly onStatus?: (status: LiveCaptureStatus, changed: readonly StreamAnalysis[]) => void;
  /** Shortest gap between two updates (default 50 ms). */
  readonly updateIntervalMs?: number;
  /** TCP payload the live analysis holds at most (default LIVE_ANALYSIS_MAX_BYTES). */
  readonly maxAnalysisBytes?: number;
}

/** A status goes out at least this often while capturing, for the elapsed time and byte count. */
const HEARTBEAT_MS = 1000;
/** Longest an update holds the event loop, which also reads the capture's pipes. */
const UPDATE_SLICE_MS = 20;
/** Changed conversation rows go out at most this often (at once when they carry a new finding). */
const ROWS_EVERY_MS = 250;
/**
 * The live analysis holds every TCP segment until the capture ends; past this much payload it
 * stops (the capture goes on, and the saved file is analysed in full when it is reopened).
 */
export const LIVE_ANALYSIS_MAX_BYTES = 512 * 1024 * 1024;

export class LiveSession {
  /** Settles with the final status once the capture has ended (stop, limit, or failure); never rejects. */
  readonly done: Promise<LiveCaptureStatus>;
  readonly startedAt = Date.now();
  private readonly analysis = new LiveAnalysis();
  private readonly readerAbort = new AbortController();
  private state: LiveCaptureState = 'capturing';
  private message?: string;
  private statistics?: LiveCaptureStatus['statistics'];
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private lastUpdateAt = 0;
  /** The last update left streams for the next one (its time slice ran out). */
  private sliced = false;
  private readonly pendingRows = new Map<number, ConversationSummary>();
  private lastRowsAt = 0;
  private analysisStopped = false;
  private endedAt?: number;

  /** Starts the capture; rejects with one sentence when it cannot (tshark or dumpcap missing, no permission…). */
  static async start(source: LiveCaptureSource, limits: CaptureLimits, options: LiveSessionOptions = {}): Promise<LiveSession> {
    const version = await tsharkVersion(options);
    const capture = await LiveCapture.start(source, limits, options);
    return new LiveSession(capture, version, limits, options);
  }

  private constructor(
    private readonly capture: LiveCapture,
    readonly tsharkVersion: string,
    private readonly limits: CaptureLimits,
    private readonly options: LiveSessionOptions,
  ) {
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastUpdateAt >= HEARTBEAT_MS) this.flush();
    }, HEARTBEAT_MS);
    this.done = this.run();
  }

  /** The capture file (temporary until saved): what requests name the capture by. */
  get file(): string {
    return this.capture.file;
  }

  /** The capture's own temporary directory. */
  get directory(): string {
    return this.capture.directory;
  }

  get running(): boolean {
    return this.state === 'capturing' || this.state === 'stopping';
  }

  status(delta: Partial<Pick<LiveUpdate, 'rows' | 'newFindings'>> = {}): LiveCaptureStatus {
    return {
      capture: this.capture.file,
      label: this.capture.label,
      state: this.state,
      startedAt: this.startedAt,
      elapsedSeconds: ((this.endedAt ?? Date.now()) - this.startedAt) / 1000,
      bytes: this.capture.bytes,
      packets: this.analysis.packets,
      conversations: this.analysis.conversationCount,
      findings: this.analysis.findingCount,
      newFindings: (delta.newFindings ?? []) as LiveFinding[],
      changed: delta.rows ?? [],
      ...(this.statistics ? { statistics: this.statistics } : {}),
      ...(this.message ? { message: this.message } : {}),
    };
  }

  /** What the capture editor and stream documents show: the analysis so far. */
  snapshot(): CaptureAnalysis {
    const conversations = this.analysis.conversations();
    const findings = this.analysis.findings();
    return {
      summary: {
        file: this.capture.file,
        sizeBytes: this.capture.bytes,
        packets: this.analysis.packets,
        conversations: conversations.length,
        findings: findings.length,
        tsharkVersion: this.tsharkVersion,
        warnings: [],
      },
      streams: this.analysis.streams(),
      conversations,
      findings,
    };
  }

  /** One stream's analysis so far. */
  stream(id: number): StreamAnalysis | undefined {
    return this.analysis.stream(id);
  }

  /** Stops capturing; settles when every process has ended and the pcapng file is complete. */
  stop(): Promise<LiveCaptureStatus> {
    if (this.state === 'capturing') {
      this.state = 'stopping';
      this.flush();
    }
    this.capture.stop();
    return this.done;
  }

  /** Ends the capture at once (no file is kept) and deletes its temporary directory. */
  async discard(): Promise<void> {
    this.capture.signalGroup('SIGKILL');
    this.readerAbort.abort();
    await this.done;
    await this.capture.remove();
  }

  private async run(): Promise<LiveCaptureStatus> {
    let readerError: unknown;
    try {
      for await (const segment of this.capture.reader.segments(this.readerAbort.signal)) {
        if (this.analysisStopped) continue; // tshark is finishing what it had
        this.analysis.add(segment);
        // dumpcap counts packets itself (-c); a command source is stopped here, on TCP packets.
        if (this.limits.packets && this.capture.sourceKind === 'command' && this.analysis.packets >= this.limits.packets) this.capture.stop();
        if (this.analysis.payloadBytes > (this.options.maxAnalysisBytes ?? LIVE_ANALYSIS_MAX_BYTES)) this.stopAnalysis();
        this.schedule();
      }
    } catch (error) {
      readerError = error;
      this.capture.stop();
    }
    this.capture.readerDone();
    const end = await this.capture.ended;
    this.endedAt = Date.now();
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.statistics = end.statistics;
    let problem = end.failure?.message;
    if (!problem && readerError && !this.readerAbort.signal.aborted) problem = this.describeReaderError(readerError);
    let kept = false;
    if (!this.readerAbort.signal.aborted) {
      try {
        await this.capture.finalize();
        kept = true;
      } catch (error) {
        problem ??= error instanceof Error ? error.message : String(error);
      }
    }
    this.state = kept || !problem ? 'stopped' : 'failed';
    this.message = problem ?? this.message;
    const update = this.analysis.update({ final: true });
    const status = this.status({ rows: this.takeRows(update.rows, true), newFindings: update.newFindings });
    this.options.onStatus?.(status, update.changed);
    return status;
  }

  private stopAnalysis(): void {
    this.analysisStopped = true;
    this.capture.detachReader();
    const megabytes = Math.round(this.analysis.payloadBytes / 1024 / 1024);
    this.message = `Live analysis stopped after ${megabytes} MB of TCP payload to keep memory bounded; the capture goes on, and the saved file is analysed in full.`;
    this.flush();
  }

  private describeReaderError(error: unknown): string {
    if (error instanceof TsharkError && error.failure === 'not-a-capture') {
      return `What ${this.capture.label} writes is not a pcap or pcapng stream, so tshark cannot read it: make the command write one to stdout (tcpdump -U -w -).`;
    }
    return `tshark stopped reading ${this.capture.label}: ${error instanceof Error ? error.message : String(error)}`;
  }

  /**
   * Updates as soon as the current burst of segments is in, but no closer together than the
   * interval. An update that ran out of its time slice continues after as long again: reading
   * tshark's output gets at least half the thread, so the analysis may lag but intake never does.
   */
  private schedule(): void {
    if (this.timer) return;
    const gap = this.analysis.pending && this.sliced ? UPDATE_SLICE_MS : (this.options.updateIntervalMs ?? 50);
    const wait = Math.max(0, this.lastUpdateAt + gap - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const update = this.analysis.pending ? this.analysis.update({ budgetMs: UPDATE_SLICE_MS }) : { changed: [], rows: [], newFindings: [] };
    this.sliced = this.analysis.pending;
    this.lastUpdateAt = Date.now();
    this.options.onStatus?.(this.status({ rows: this.takeRows(update.rows, update.newFindings.length > 0), newFindings: update.newFindings }), update.changed);
    if (this.sliced) this.schedule();
  }

  /** Rows changed since the last ones sent, when they are due (a busy stream changes on every update). */
  private takeRows(rows: readonly ConversationSummary[], now: boolean): ConversationSummary[] {
    for (const row of rows) this.pendingRows.set(row.stream, row);
    if (!now && Date.now() - this.lastRowsAt < ROWS_EVERY_MS) return [];
    this.lastRowsAt = Date.now();
    const due = [...this.pendingRows.values()];
    this.pendingRows.clear();
    return due;
  }
}
