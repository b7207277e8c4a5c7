/**
 * Analyses captures once and keeps the result while the file is unchanged (same size and
 * mtime). Concurrent requests for one file share the run; a failed or cancelled run is
 * forgotten so the next request starts afresh.
 */
import * as fs from 'node:fs/promises';
import { analyzeCaptureFile, type AnalyzeOptions, type CaptureAnalysis } from '../analysis/analyzeCapture';

interface Entry {
  readonly stamp: string;
  readonly analysis: Promise<CaptureAnalysis>;
}

async function stampOf(file: string): Promise<string> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

export class CaptureStore {
  private readonly entries = new Map<string, Entry>();

  async open(file: string, options: AnalyzeOptions): Promise<CaptureAnalysis> {
    const stamp = await stampOf(file);
    const existing = this.entries.get(file);
    if (existing && existing.stamp === stamp) return existing.analysis;
    const analysis = analyzeCaptureFile(file, options);
    const entry = { stamp, analysis };
    this.entries.set(file, entry);
    analysis.catch(() => {
      if (this.entries.get(file) === entry) this.entries.delete(file);
    });
    return analysis;
  }
}
