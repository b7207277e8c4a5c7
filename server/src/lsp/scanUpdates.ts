/**
 * Batches what a running scan finds into a few notifications per second: the row count as the
 * index pass finds conversations (the first at once: the table can list rows), the final count
 * when the pass ends, then findings as they come. Flushed when the scan ends, so no finding is
 * left behind.
 */
import type { ScanUpdateParams } from '../../../protocol/lspProtocol';
import type { Finding } from '../../../protocol/model';

/**
 * Captures smaller than this are scanned in a fraction of a second: their rows and findings come
 * complete when the scan ends instead of flashing in half-filled (index rows have no exchanges).
 */
export const STREAM_UPDATES_FROM_BYTES = 16 * 1024 * 1024;

export type ScanUpdate = Omit<ScanUpdateParams, 'capture'>;

export class ScanUpdates {
  private conversations = 0;
  private rowsFinal = false;
  private pending: Finding[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  /** Only a scan that reported something is flushed at its end (later openers of a cached capture are not). */
  private active = false;
  private isClosed = false;

  constructor(
    private readonly send: (update: ScanUpdate) => void,
    private readonly intervalMs = 250,
  ) {}

  /** The index pass has found `conversations` so far. */
  indexing(conversations: number): void {
    if (conversations === this.conversations || this.rowsFinal || this.isClosed) return;
    this.conversations = conversations;
    if (this.active) return this.schedule();
    this.active = true;
    this.flush();
  }

  /** The index pass has ended: `conversations` is every row, and rows sent before may have changed. */
  indexed(conversations: number): void {
    this.conversations = conversations;
    this.rowsFinal = true;
    this.active = true;
    this.flush();
  }

  found(findings: readonly Finding[]): void {
    this.pending.push(...findings);
    this.active = true;
    this.schedule();
  }

  flush(): void {
    if (!this.active || this.isClosed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const findings = this.pending;
    this.pending = [];
    this.send({ conversations: this.conversations, rowsFinal: this.rowsFinal, findings });
  }

  /** The caller stopped waiting (cancelled, failed): a run that goes on says nothing more to it. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** No more updates, whatever the run still reports (a pending batch is dropped). */
  close(): void {
    this.isClosed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.isClosed) this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }
}
