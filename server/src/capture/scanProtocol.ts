/** Messages between the full scan (scan.ts) and its worker threads (scanWorker.ts). */
import type { ConversationSummary, Finding } from '../../../protocol/model';
import type { StreamPacketData } from './packetReader';

/**
 * How many batches of results a worker may have waiting for the main thread. A busy machine can
 * starve the main thread; without a bound, the workers' results would pile up in the message
 * queue (memory that grows with the capture) instead of the workers waiting.
 */
export const MAX_BATCHES_IN_FLIGHT = 4;

/** One analysed stream as a worker reports it. */
export interface ScannedStream {
  readonly summary: ConversationSummary;
  readonly findings: readonly Finding[];
}

/** A worker's workerData: what it needs to read any stream of the capture. */
export type ScanWorkerInput = StreamPacketData;

/** Jobs, posted to a worker one at a time; each ends with a `done` (or `error`) message. */
export type ScanWorkerJob =
  | {
      /** Scan streams, taking blocks of them from a StreamCursor on this shared counter. */
      readonly job: 'scan';
      readonly cursor: Int32Array;
      /**
       * Batches of streams posted and not yet taken by the main thread (shared: the worker adds,
       * the main thread subtracts and notifies). At MAX_BATCHES_IN_FLIGHT the worker waits.
       */
      readonly inFlight: Int32Array;
    }
  | {
      /** Run the capture-scope rules over these streams (scanned already, ascending), with the findings of those that have some. */
      readonly job: 'capture-rules';
      readonly streams: readonly number[];
      readonly findings: readonly (readonly [number, readonly Finding[]])[];
    };

export type ScanWorkerMessage =
  | { readonly type: 'streams'; readonly streams: readonly ScannedStream[] }
  | { readonly type: 'progress'; readonly packets: number }
  | { readonly type: 'capture-findings'; readonly findings: readonly Finding[] }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
