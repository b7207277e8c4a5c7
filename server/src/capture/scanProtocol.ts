/** Messages between the full scan (scan.ts) and its worker threads (scanWorker.ts). */
import type { ConversationSummary, Finding } from '../../../protocol/model';
import type { StreamPacketData } from './packetReader';

/** One analysed stream as a worker reports it. */
export interface ScannedStream {
  readonly summary: ConversationSummary;
  readonly findings: readonly Finding[];
}

export type ScanWorkerInput = StreamPacketData &
  (
    | {
        /** Scan streams, taking blocks of them from a StreamCursor on this shared counter. */
        readonly job: 'scan';
        readonly cursor: Int32Array;
      }
    | {
        /** Run the capture-scope rules over every stream (scanned already). */
        readonly job: 'capture-rules';
        readonly streams: readonly ScannedStream[];
      }
  );

export type ScanWorkerMessage =
  | { readonly type: 'streams'; readonly streams: readonly ScannedStream[] }
  | { readonly type: 'progress'; readonly packets: number }
  | { readonly type: 'capture-findings'; readonly findings: readonly Finding[] }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
