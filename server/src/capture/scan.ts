/**
 * The full HTTP scan of an indexed capture: every stream reassembled and run through the rules,
 * without holding the capture in memory (streamScanner.ts: one stream at a time, read on demand).
 * Large captures are shared between worker threads (one per core but one, up to four) that take
 * blocks of streams from a common cursor; results reach the caller stream by stream, with
 * progress, and a worker waits when the main thread falls behind in taking them. Then
 * the capture-scope rules, which relate streams to each other, run in the last worker over the
 * streams they can need (chosen from the scan's rows: for "who made the 502", streams with a
 * 502/503/504 and those with the same request), which read their bytes from the file when a rule
 * touches them (lazyStreams.ts). A worker ends as soon as no stream is left for it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Finding } from '../../../protocol/model';
import { findCaptureViolations, streamsForCaptureRules } from '../analysis/findRuleViolations';
import { ALL_RULES } from '../rules';
import type { AnalysedStream, CaptureRule, Rule } from '../rules/rule';
import type { AnalysedConnection } from './analyzeStream';
import type { CaptureIndex } from './captureIndex';
import { CaptureFileError } from './captureFileError';
import { withLazyAnalysedStreams } from './lazyStreams';
import type { StreamPacketData } from './packetReader';
import type { ScannedStream, ScanWorkerInput, ScanWorkerJob, ScanWorkerMessage } from './scanProtocol';
import { toScannedStream } from './scannedStream';
import { ScanAbortedError, scanStreams, StreamCursor } from './streamScanner';

export interface ScanOptions {
  readonly signal?: AbortSignal;
  /** Packets read so far, and the fraction of the capture's TCP packets that is. */
  readonly onProgress?: (packets: number, fraction: number) => void;
  /** Each stream as soon as it has been analysed, in no particular order. */
  readonly onStream?: (stream: ScannedStream) => void;
  /** Worker threads; 0 scans in this thread. Default: one per core but one (up to 4) for captures of 32 MiB and more. */
  readonly workers?: number;
  /** Keep every stream's full analysis (small captures): following a stream then reads nothing. */
  readonly keepAnalyses?: boolean;
  /** Rules of an in-thread scan (tests); workers always run the catalogue, ALL_RULES. */
  readonly rules?: readonly Rule[];
  /** The worker bundle; found next to this bundle or in the repository's dist/ by default. */
  readonly workerScript?: string;
}

export interface ScanResult {
  /** Every stream's row and findings, in stream order. */
  readonly streams: readonly ScannedStream[];
  /** Findings of capture-scope rules (they relate streams), located on the wire. */
  readonly captureFindings: readonly Finding[];
  readonly analyses?: ReadonlyMap<number, AnalysedConnection>;
  readonly workers: number;
  /** Milliseconds of the whole scan, and of the capture-scope rules at its end. */
  readonly ms: number;
  readonly captureRulesMs: number;
}

const WORKER_THRESHOLD_BYTES = 32 * 1024 * 1024;
/**
 * Worker heaps: objects made for a stream die with it, so a small young generation suffices and
 * keeps each worker's resident memory low (V8's default lets it grow to 3 × 16 MiB).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** dist/scanWorker.js: beside the running bundle (dist/cli.js, dist/server.js) or in the repository's dist/. */
export function findScanWorkerScript(): string | undefined {
  const candidates = [path.join(__dirname, 'scanWorker.js')];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'dist', 'scanWorker.js'));
    if (path.dirname(dir) === dir) break;
  }
  return candidates.find((candidate) => fs.existsSync(candidate));
}

function defaultWorkers(index: CaptureIndex): number {
  if (index.size < WORKER_THRESHOLD_BYTES) return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  // One core stays for the server's main thread and the editor: on two cores a second worker
  // costs about 20 MiB and gains little (docs/performance.md); on one core the main thread scans.
  return Math.min(4, Math.max(0, cores - 1));
}

function streamData(index: CaptureIndex): StreamPacketData {
  return {
    file: index.file,
    format: index.format,
    packets: index.packets,
    conversations: index.conversations.map(({ a, b }) => ({ a, b })),
    streamStart: index.streamStart,
  };
}

export async function scanCapture(index: CaptureIndex, options: ScanOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const rules = options.rules ?? ALL_RULES;
  const captureRules = rules.filter((rule): rule is CaptureRule => rule.scope === 'capture');
  const workerScript = options.workerScript ?? findScanWorkerScript();
  let workers = options.workers ?? defaultWorkers(index);
  if (options.rules || options.keepAnalyses || !workerScript) workers = 0;
  const results = new Array<ScannedStream | undefined>(index.conversations.length);
  const accept = (scanned: ScannedStream) => {
    results[scanned.summary.stream] = scanned;
    options.onStream?.(scanned);
  };
  const total = Math.max(1, index.packets.count);
  const onProgress = (packets: number) => options.onProgress?.(packets, packets / total);
  const cursor = StreamCursor.create(index.conversations.length);
  const analyses = options.keepAnalyses ? new Map<number, AnalysedConnection>() : undefined;
  let pool: ScanWorker[] | undefined;
  /** The worker that finished the scan last: it stays for the capture-scope rules. */
  let last: ScanWorker | undefined;

  if (workers === 0) {
    await scanStreams(
      index,
      cursor,
      {
        stream(result) {
          analyses?.set(result.connection.stream, result);
          accept(toScannedStream(result));
        },
        progress: onProgress,
      },
      { rules, signal: options.signal, yieldEvery: 20000 },
    );
  } else {
    const data = streamData(index);
    const done = new Array<number>(workers).fill(0);
    pool = Array.from({ length: workers }, () => new ScanWorker(workerScript!, data));
    // One worker failing stops the others.
    const stop = new AbortController();
    const forward = () => stop.abort();
    options.signal?.addEventListener('abort', forward);
    let running = workers;
    try {
      await Promise.all(
        pool.map((worker, w) => {
          const inFlight = new Int32Array(new SharedArrayBuffer(4));
          return worker
            .run({ job: 'scan', cursor: cursor.shared, inFlight }, stop.signal, (message) => {
              if (message.type === 'streams') {
                Atomics.sub(inFlight, 0, 1);
                Atomics.notify(inFlight, 0);
                for (const scanned of message.streams) accept(scanned);
              } else if (message.type === 'progress') {
                done[w] = message.packets;
                onProgress(done.reduce((sum, n) => sum + n, 0));
              }
            })
            .then(
              () => {
                // Out of streams: a worker goes at once (its memory with it) unless it is the last.
                if (--running > 0) worker.terminate();
                else last = worker;
              },
              (error: unknown) => {
                stop.abort();
                throw error;
              },
            );
        }),
      );
    } catch (error) {
      for (const worker of pool) worker.terminate();
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', forward);
    }
    if (options.signal?.aborted) {
      for (const worker of pool) worker.terminate();
      throw new ScanAbortedError('scan cancelled');
    }
  }

  const streams = results.filter((s): s is ScannedStream => s !== undefined);
  const rulesStarted = performance.now();
  let captureFindings: readonly Finding[] = [];
  try {
    if (captureRules.length === 0) {
      // Nothing relates streams to each other.
    } else if (analyses) {
      const inputs: AnalysedStream[] = streams.map((scanned) => ({ ...analyses.get(scanned.summary.stream)!, findings: scanned.findings }));
      captureFindings = findCaptureViolations(inputs, captureRules);
    } else {
      // Only the streams the rules can need are read back from the file (often none).
      const needed = streamsForCaptureRules(streams.map((scanned) => scanned.summary), captureRules);
      const findings = needed.filter((stream) => (results[stream]?.findings.length ?? 0) > 0).map((stream) => [stream, results[stream]!.findings] as const);
      if (needed.length === 0) {
        // No candidate: no hit.
      } else if (last) {
        await last.run({ job: 'capture-rules', streams: needed, findings }, options.signal, (message) => {
          if (message.type === 'capture-findings') captureFindings = message.findings;
        });
      } else {
        captureFindings = withLazyAnalysedStreams(index, needed, new Map(findings), (inputs) => findCaptureViolations(inputs, captureRules));
      }
    }
  } finally {
    for (const worker of pool ?? []) worker.terminate();
  }
  const finished = performance.now();
  return { streams, captureFindings, analyses, workers, ms: finished - started, captureRulesMs: finished - rulesStarted };
}

/** A worker thread holding the capture's index columns, running one job at a time. */
class ScanWorker {
  private readonly worker: Worker;
  private current?: { readonly onMessage: (message: ScanWorkerMessage) => void; readonly finish: (error?: Error) => void };
  private exited = false;

  constructor(script: string, data: ScanWorkerInput) {
    this.worker = new Worker(script, { workerData: data, resourceLimits: WORKER_LIMITS });
    this.worker.on('message', (message: ScanWorkerMessage) => {
      const current = this.current;
      if (!current) return;
      if (message.type === 'done') return current.finish();
      if (message.type === 'error') {
        // A file changed under the scan is the user's sentence; anything else is a bug in the worker.
        return current.finish(message.name === 'CaptureFileError' ? new CaptureFileError(message.message) : new Error(`scan worker failed: ${message.message}`));
      }
      current.onMessage(message);
    });
    this.worker.on('error', (error) => this.current?.finish(new Error(`scan worker failed: ${error.message}`)));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.current?.finish(new Error(`scan worker exited with code ${code} before finishing`));
    });
  }

  /** Runs one job to its end; rejects on its error, the worker's crash, or the signal. */
  run(job: ScanWorkerJob, signal: AbortSignal | undefined, onMessage: (message: ScanWorkerMessage) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted || this.exited) {
        this.terminate();
        return reject(signal?.aborted ? new ScanAbortedError('scan cancelled') : new Error('scan worker is gone'));
      }
      const onAbort = () => {
        this.current?.finish(new ScanAbortedError('scan cancelled'));
        this.terminate();
      };
      this.current = {
        onMessage,
        finish: (error?: Error) => {
          this.current = undefined;
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      };
      signal?.addEventListener('abort', onAbort);
      this.worker.postMessage(job);
    });
  }

  terminate(): void {
    if (this.exited) return;
    this.exited = true;
    void this.worker.terminate();
  }
}
