/**
 * Worker-thread entry of the full scan (bundled as dist/scanWorker.js). A `scan` job analyses
 * blocks of streams taken from the shared cursor, posting them in small batches as they complete,
 * and progress. A `capture-rules` job runs the capture-scope rules over every stream, reading
 * streams from the file as the rules touch them, away from the language server's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { findCaptureViolations } from '../analysis/findRuleViolations';
import { ALL_RULES } from '../rules';
import { lazyAnalysedStreams } from './lazyStreams';
import type { ScanWorkerInput, ScanWorkerMessage, ScannedStream } from './scanProtocol';
import { toScannedStream } from './scannedStream';
import { scanStreams, StreamCursor } from './streamScanner';

const input = workerData as ScanWorkerInput;
const port = parentPort!;
const post = (message: ScanWorkerMessage) => port.postMessage(message);

async function scan(cursor: Int32Array): Promise<void> {
  let pending: ScannedStream[] = [];
  let lastPost = Date.now();
  const flush = () => {
    if (pending.length === 0) return;
    post({ type: 'streams', streams: pending });
    pending = [];
    lastPost = Date.now();
  };
  await scanStreams(input, new StreamCursor(cursor, input.streamStart.length - 1), {
    stream(result) {
      pending.push(toScannedStream(result));
      if (pending.length >= 256 || Date.now() - lastPost > 100) flush();
    },
    progress(packets) {
      post({ type: 'progress', packets });
    },
  });
  flush();
}

async function run(): Promise<void> {
  if (input.job === 'scan') {
    await scan(input.cursor);
  } else {
    const rules = ALL_RULES.filter((rule) => rule.scope === 'capture');
    post({ type: 'capture-findings', findings: findCaptureViolations(lazyAnalysedStreams(input, input.streams), rules) });
  }
}

run().then(
  () => post({ type: 'done' }),
  (error: unknown) => post({ type: 'error', name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) }),
);
