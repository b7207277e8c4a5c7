/**
 * Analyses captures once and keeps the result while the file is unchanged (same size and
 * mtime). Concurrent requests for one file share the run; a failed or cancelled run is
 * forgotten so the next request starts afresh. While a pcap/pcapng is being scanned, its index
 * (built first, in about a second per gigabyte) already answers pages of the conversation table.
 */
import * as fs from 'node:fs/promises';
import type { ConversationsResult } from '../../../protocol/lspProtocol';
import type { Finding } from '../../../protocol/model';
import { analyzeCaptureFile, type AnalyzeOptions, type CaptureAnalysis } from '../analysis/analyzeCapture';
import type { CaptureIndex } from '../capture/captureIndex';
import { conversationRowFromIndex } from '../capture/indexedAnalysis';

interface Entry {
  readonly stamp: string;
  readonly analysis: Promise<CaptureAnalysis>;
  /** Until the analysis settles: its index once built, and the findings found so far by stream. */
  index?: CaptureIndex;
  readonly findingsSoFar: Map<number, number>;
  done: boolean;
}

async function stampOf(file: string): Promise<string> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

export class CaptureStore {
  private readonly entries = new Map<string, Entry>();
  /** Callers of pageBeforeDone waiting for a file's index. */
  private readonly indexWaiters = new Map<string, ((entry: Entry | undefined) => void)[]>();

  async open(file: string, options: AnalyzeOptions): Promise<CaptureAnalysis> {
    // A key log (which grows as sessions are added) is part of what the analysis depends on.
    const keys = options.tlsKeyLogFile;
    const stamp = `${await stampOf(file)}${keys ? `|${keys}:${await stampOf(keys)}` : ''}`;
    const existing = this.entries.get(file);
    if (existing && existing.stamp === stamp) return existing.analysis;
    const findingsSoFar = new Map<number, number>();
    const entry: Entry = {
      stamp,
      findingsSoFar,
      done: false,
      analysis: analyzeCaptureFile(file, {
        ...options,
        onIndex: (index) => {
          entry.index = index;
          this.wake(file, entry);
          options.onIndex?.(index);
        },
        onFindings: (findings: readonly Finding[]) => {
          for (const finding of findings) findingsSoFar.set(finding.stream, (findingsSoFar.get(finding.stream) ?? 0) + 1);
          options.onFindings?.(findings);
        },
      }),
    };
    this.entries.set(file, entry);
    const settle = () => {
      entry.done = true;
      entry.index = undefined;
      this.wake(file, undefined);
    };
    entry.analysis.then(settle, () => {
      settle();
      if (this.entries.get(file) === entry) this.entries.delete(file);
    });
    return entry.analysis;
  }

  private wake(file: string, entry: Entry | undefined): void {
    for (const resolve of this.indexWaiters.get(file) ?? []) resolve(entry);
    this.indexWaiters.delete(file);
  }

  /**
   * A page of the conversation table while `analysis` (the caller's open() of `file`) runs:
   * rows from the capture index as soon as it exists (protocol from the first payload bytes,
   * exchanges not yet known, findings so far). Undefined when the analysis settles first, or
   * has no index (tshark reads the file): the caller then pages the finished analysis.
   */
  async pageBeforeDone(file: string, analysis: Promise<CaptureAnalysis>, start: number, count: number): Promise<ConversationsResult | undefined> {
    const current = this.entries.get(file);
    let entry: Entry | undefined = current && !current.done ? current : undefined;
    if (!entry?.index) {
      const indexed = new Promise<Entry | undefined>((resolve) => {
        const waiters = this.indexWaiters.get(file) ?? [];
        waiters.push(resolve);
        this.indexWaiters.set(file, waiters);
      });
      const settled = analysis.then(
        () => undefined,
        () => undefined,
      );
      entry = await Promise.race([indexed, settled]);
    }
    const index = entry && !entry.done ? entry.index : undefined;
    if (!entry || !index) return undefined;
    const findings = entry.findingsSoFar;
    const rows = index.conversations.slice(start, start + count).map((c) => conversationRowFromIndex(c, findings.get(c.stream) ?? 0));
    return { total: index.conversations.length, start, rows };
  }
}
