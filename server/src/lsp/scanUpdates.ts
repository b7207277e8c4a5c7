/**
 * Batches what a running scan finds into a few notifications per second: the row count once the
 * index exists (at once: the table can list rows), then findings as they come. Flushed when the
 * scan ends, so no finding is left behind.
 */
import type { Finding } from '../../../protocol/model';

/**
 * Captures smaller than this are scanned in a fraction of a second: their rows and findings come
 * complete when the scan ends instead of flashing in half-filled (index rows have no exchanges).
 */
export const STREAM_UPDATES_FROM_BYTES = 16 * 1024 * 1024;

export class ScanUpdates {
  private conversations = 0;
  private pending: Finding[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  /** Only a scan that reported something is flushed at its end (later openers of a cached capture are not). */
  private active = false;

  constructor(
    private readonly send: (conversations: number, findings: readonly Finding[]) => void,
    private readonly intervalMs = 250,
  ) {}

  indexed(conversations: number): void {
    this.conversations = conversations;
    this.active = true;
    this.flush();
  }

  found(findings: readonly Finding[]): void {
    this.pending.push(...findings);
    this.active = true;
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (!this.active) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const findings = this.pending;
    this.pending = [];
    this.send(this.conversations, findings);
  }
}
