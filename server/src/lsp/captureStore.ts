/**
 * Analyses captures once and keeps the result while the file is unchanged (same size and
 * mtime). Concurrent requests for one file share the run; a failed or cancelled run is
 * forgotten so the next request starts afresh. While a pcap/pcapng is being scanned, its index
 * (built first, in about a second per gigabyte) already answers pages of the conversation table.
 * Pages are sorted and filtered here (conversationQuery.ts), over every row, so the webview only
 * ever holds what it shows; the last order and display filter of each file are kept for paging.
 */
import * as fs from 'node:fs/promises';
import type { ConversationsResult } from '../../../protocol/lspProtocol';
import type { ConversationQuery, ConversationSummary, Finding } from '../../../protocol/model';
import { analyzeCaptureFile, type AnalyzeOptions, type CaptureAnalysis, type StreamAnalysis } from '../analysis/analyzeCapture';
import { orderConversations } from '../analysis/conversationQuery';
import { analyzeIndexedStream } from '../capture/analyzeStream';
import type { CaptureIndex, IndexedConversation } from '../capture/captureIndex';
import { conversationRowFromIndex } from '../capture/indexedAnalysis';
import { streamsMatching, type DisplayFilterOutcome } from '../tshark/displayFilter';
import { TsharkError } from '../tshark/tsharkError';
import type { TsharkOptions } from '../tshark/tsharkRunner';

/** How long a run nobody waits for goes on, in case its caller asks again (milliseconds). */
const ABANDON_GRACE_MS = 300;

interface Entry {
  readonly stamp: string;
  readonly analysis: Promise<CaptureAnalysis>;
  /** Aborts the run: only when every caller waiting for it has cancelled (join). */
  readonly run: AbortController;
  /** Callers waiting for the analysis now; one that cannot cancel counts until it settles. */
  waiting: number;
  /** Set while nobody waits: the run is aborted when it fires. */
  abandoned?: NodeJS.Timeout;
  /** Until the analysis settles: its index once built, and the findings found so far by stream. */
  index?: CaptureIndex;
  /** While the index pass runs: the conversations it has found so far (their counts still grow). */
  partial?: readonly IndexedConversation[];
  readonly findingsSoFar: Map<number, Finding[]>;
  done: boolean;
  /** The table order last asked for: pages of one query are slices of it. */
  order?: { readonly key: string; readonly rows: readonly ConversationSummary[]; readonly positions: readonly number[] };
}

/** The display filter last run on a file (while the file is unchanged). */
interface KeptDisplayFilter {
  readonly stamp: string;
  readonly expression: string;
  readonly outcome: Promise<DisplayFilterOutcome>;
}

async function stampOf(file: string): Promise<string> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

/** Findings by stream, as the text filter matches rule ids. */
function groupByStream(findings: readonly Finding[]): Map<number, Finding[]> {
  const byStream = new Map<number, Finding[]>();
  for (const finding of findings) {
    const list = byStream.get(finding.stream);
    if (list) list.push(finding);
    else byStream.set(finding.stream, [finding]);
  }
  return byStream;
}

/** Queries whose pages are plain slices of the rows (no filter, stream order). */
function isPlain(query: ConversationQuery | undefined): boolean {
  return !query?.text?.trim() && !query?.displayFilter?.trim() && (!query?.sort || (query.sort.column === 'stream' && !query.sort.descending));
}

export class CaptureStore {
  private readonly entries = new Map<string, Entry>();
  /** Callers waiting for news of a file's index pass (its first conversations, the index) or for its analysis to settle. */
  private readonly indexWaiters = new Map<string, ((entry: Entry | undefined) => void)[]>();
  private readonly findingsByStream = new WeakMap<CaptureAnalysis, Map<number, Finding[]>>();
  /** Kept apart from the analyses: a filter can be typed before the capture's analysis starts. */
  private readonly displayFilters = new Map<string, KeptDisplayFilter>();

  async open(file: string, options: AnalyzeOptions): Promise<CaptureAnalysis> {
    // A key log (which grows as sessions are added) is part of what the analysis depends on.
    const keys = options.tlsKeyLogFile;
    const stamp = `${await stampOf(file)}${keys ? `|${keys}:${await stampOf(keys)}` : ''}`;
    const existing = this.entries.get(file);
    if (existing && existing.stamp === stamp && !existing.run.signal.aborted) return this.join(file, existing, options.signal);
    const run = new AbortController();
    const findingsSoFar = new Map<number, Finding[]>();
    const analysis = analyzeCaptureFile(file, {
      ...options,
      signal: run.signal,
      onConversations: (conversations, fileSize) => {
        const first = entry.partial === undefined;
        entry.partial = conversations;
        if (first) this.wake(file, entry);
        options.onConversations?.(conversations, fileSize);
      },
      onIndexAbandoned: () => {
        entry.partial = undefined;
        options.onIndexAbandoned?.();
      },
      onIndex: (index) => {
        entry.index = index;
        entry.partial = undefined;
        this.wake(file, entry);
        options.onIndex?.(index);
      },
      onFindings: (findings: readonly Finding[]) => {
        for (const [stream, list] of groupByStream(findings)) findingsSoFar.set(stream, [...(findingsSoFar.get(stream) ?? []), ...list]);
        options.onFindings?.(findings);
      },
    });
    const entry: Entry = {
      stamp,
      findingsSoFar,
      done: false,
      run,
      waiting: 0,
      analysis,
    };
    this.entries.set(file, entry);
    const settle = () => {
      entry.done = true;
      entry.index = undefined;
      entry.partial = undefined;
      entry.order = undefined;
      // An entry already replaced (cancelled, then opened again) must not end the new run's waits.
      if (this.entries.get(file) === entry) this.wake(file, undefined);
    };
    entry.analysis.then(settle, () => {
      settle();
      if (this.entries.get(file) === entry) this.entries.delete(file);
    });
    return this.join(file, entry, options.signal);
  }

  /**
   * One caller's wait for a shared run. Its `signal` ends only its own wait (rejecting as a
   * cancelled read does); the run, and its tshark, stop when no caller waits any more, so one
   * editor's Cancel never fails another editor's (or a stream document's) load of the same file.
   */
  private join(file: string, entry: Entry, signal: AbortSignal | undefined): Promise<CaptureAnalysis> {
    entry.waiting++;
    clearTimeout(entry.abandoned);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      entry.waiting--;
    };
    if (!signal) return entry.analysis.finally(leave);
    return new Promise<CaptureAnalysis>((resolve, reject) => {
      const cancel = () => {
        leave();
        if (entry.waiting === 0 && !entry.done) {
          // A reloading editor cancels its old request just before it asks again: it joins within the grace.
          entry.abandoned = setTimeout(() => {
            if (entry.waiting > 0 || entry.done) return;
            entry.run.abort();
            // Forgotten now, not when the run has wound down: the next open starts afresh.
            if (this.entries.get(file) === entry) this.entries.delete(file);
          }, ABANDON_GRACE_MS);
        }
        reject(new TsharkError('cancelled', `Reading ${file} was cancelled.`));
      };
      if (signal.aborted) return cancel();
      signal.addEventListener('abort', cancel, { once: true });
      entry.analysis.then(
        (analysis) => {
          signal.removeEventListener('abort', cancel);
          leave();
          resolve(analysis);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', cancel);
          leave();
          reject(error);
        },
      );
    });
  }

  /** The analysis of `file` while it runs (undefined once it settled: open() then checks the file again). */
  inFlight(file: string): Promise<CaptureAnalysis> | undefined {
    const entry = this.entries.get(file);
    return entry && !entry.done ? entry.analysis : undefined;
  }

  private wake(file: string, entry: Entry | undefined): void {
    for (const resolve of this.indexWaiters.get(file) ?? []) resolve(entry);
    this.indexWaiters.delete(file);
  }

  /**
   * The running entry of `file` once `ready` holds for it (its index, or the first conversations
   * of the index pass, exists); undefined when `analysis` settles first (or reads through tshark).
   */
  private async runningEntry(file: string, analysis: Promise<CaptureAnalysis>, ready: (entry: Entry) => boolean): Promise<Entry | undefined> {
    const settled = analysis.then(
      () => undefined,
      () => undefined,
    );
    for (;;) {
      const current = this.entries.get(file);
      if (current && !current.done && ready(current)) return current;
      let wake!: (entry: Entry | undefined) => void;
      const woken = new Promise<Entry | undefined>((resolve) => (wake = resolve));
      this.indexWaiters.set(file, [...(this.indexWaiters.get(file) ?? []), wake]);
      const news = await Promise.race([woken, settled]);
      // Settled first: this wait is over, so its waker goes (pages of a finished capture would pile them up).
      const left = (this.indexWaiters.get(file) ?? []).filter((waiter) => waiter !== wake);
      if (left.length > 0) this.indexWaiters.set(file, left);
      else this.indexWaiters.delete(file);
      if (news === undefined) return undefined;
    }
  }

  /**
   * A page of the conversation table while `analysis` (the caller's open() of `file`) runs:
   * rows from the capture index as soon as it exists (protocol from the first payload bytes,
   * exchanges not yet known, findings so far); a page in stream order does not even wait for the
   * index pass to end (rows of the conversations found so far, counts still growing). Undefined
   * when the analysis settles first, or has no index (tshark reads the file): the caller then
   * pages the finished analysis.
   */
  async pageBeforeDone(
    file: string,
    analysis: Promise<CaptureAnalysis>,
    start: number,
    count: number,
    query?: ConversationQuery,
    signal?: AbortSignal,
    tshark?: TsharkOptions,
  ): Promise<ConversationsResult | undefined> {
    const plain = isPlain(query);
    const entry = await this.runningEntry(file, analysis, (e) => e.index !== undefined || (plain && e.partial !== undefined));
    if (!entry) return undefined;
    const { findingsSoFar } = entry;
    const conversations = entry.index?.conversations ?? entry.partial ?? [];
    const rowOf = (position: number) => {
      const c = conversations[position];
      return conversationRowFromIndex(c, findingsSoFar.get(c.stream)?.length ?? 0);
    };
    const unfiltered = conversations.length;
    if (plain) {
      const rows: ConversationSummary[] = [];
      for (let i = start; i < Math.min(unfiltered, start + count); i++) rows.push(rowOf(i));
      return { total: unfiltered, start, rows, unfiltered };
    }
    const all = conversations.map((_, i) => rowOf(i));
    return this.pageOf(file, entry, all, findingsSoFar, start, count, query, signal, tshark);
  }

  /** A page of a finished analysis, sorted and filtered by `query`. */
  async page(
    file: string,
    analysis: CaptureAnalysis,
    start: number,
    count: number,
    query?: ConversationQuery,
    signal?: AbortSignal,
    tshark?: TsharkOptions,
  ): Promise<ConversationsResult> {
    const rows = analysis.conversations;
    if (isPlain(query)) return { total: rows.length, start, rows: rows.slice(start, start + count), unfiltered: rows.length };
    let byStream = this.findingsByStream.get(analysis);
    if (!byStream) {
      byStream = groupByStream(analysis.findings);
      this.findingsByStream.set(analysis, byStream);
    }
    return this.pageOf(file, this.entries.get(file), rows, byStream, start, count, query, signal, tshark);
  }

  private async pageOf(
    file: string,
    entry: Entry | undefined,
    rows: readonly ConversationSummary[],
    findingsByStream: ReadonlyMap<number, readonly Finding[]>,
    start: number,
    count: number,
    query: ConversationQuery | undefined,
    signal: AbortSignal | undefined,
    tshark: TsharkOptions | undefined,
  ): Promise<ConversationsResult> {
    const expression = query?.displayFilter?.trim();
    let displayFilterStreams: ReadonlySet<number> | undefined;
    if (expression) {
      const outcome = await this.displayFilter(file, expression, { ...tshark, signal });
      // An invalid filter keeps no rows; its error is shown under the filter box.
      displayFilterStreams = 'streams' in outcome ? outcome.streams : new Set();
    }
    const key = JSON.stringify({ sort: query?.sort, text: query?.text?.trim(), expression });
    let positions = entry?.order?.key === key && entry.order.rows === rows ? entry.order.positions : undefined;
    if (!positions) {
      positions = orderConversations(rows, query, {
        ruleIds: (stream) => (findingsByStream.get(stream) ?? []).map((finding) => finding.ruleId),
        displayFilterStreams,
      });
      if (entry) entry.order = { key, rows, positions };
    }
    return { total: positions.length, start, rows: positions.slice(start, start + count).map((i) => rows[i]), unfiltered: rows.length };
  }

  /**
   * Runs `expression` over `file` with tshark, or answers from the last run of the same one. A
   * new expression replaces the kept one; a cancelled run is not kept.
   */
  async displayFilter(file: string, expression: string, options: TsharkOptions & { signal?: AbortSignal } = {}): Promise<DisplayFilterOutcome> {
    const stamp = await stampOf(file);
    const last = this.displayFilters.get(file);
    if (last && last.stamp === stamp && last.expression === expression) return last.outcome;
    const kept: KeptDisplayFilter = { stamp, expression, outcome: streamsMatching(file, expression, options) };
    this.displayFilters.set(file, kept);
    kept.outcome.catch(() => {
      if (this.displayFilters.get(file) === kept) this.displayFilters.delete(file);
    });
    return kept.outcome;
  }

  /**
   * One stream's analysis: from the finished analysis, or while the scan runs, read from the
   * index on demand (its findings then are the ones found so far).
   */
  async stream(file: string, analysis: Promise<CaptureAnalysis>, stream: number): Promise<StreamAnalysis | undefined> {
    const entry = this.entries.get(file);
    if (entry && !entry.done && entry.index) {
      const analysed = analyzeIndexedStream(entry.index, stream);
      if (analysed) return { ...analysed, findings: entry.findingsSoFar.get(stream) ?? [] };
    }
    return (await analysis).streams.get(stream);
  }
}
