/**
 * Worker-thread entry of the full scan (bundled as dist/scanWorker.js). It gets the capture's
 * index columns once (workerData, shared memory) and then jobs: `scan` analyses blocks of
 * streams taken from the shared cursor, posting them in small batches as they complete, and
 * progress; `capture-rules` runs the capture-scope rules over the streams they need, reading
 * streams from the file as the rules touch them. One worker does both in turn, so the rules need
 * no new thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Finding } from '../../../protocol/model';
import { findCaptureViolations } from '../analysis/findRuleViolations';
import { ALL_RULES } from '../rules';
import { withLazyAnalysedStreams } from './lazyStreams';
import { MemoryControl } from './memoryControl';
import { MAX_BATCHES_IN_FLIGHT, type ScannedStream, type ScanWorkerInput, type ScanWorkerJob, type ScanWorkerMessage } from './scanProtocol';
import { toScannedStream } from './scannedStream';
import { scanStreams, StreamCursor } from './streamScanner';

const input = workerData as ScanWorkerInput;
const port = parentPort!;
const post = (message: ScanWorkerMessage) => port.postMessage(message);
const memory = new MemoryControl();

async function scan(cursor: Int32Array, inFlight: Int32Array): Promise<void> {
  let pending: ScannedStream[] = [];
  let lastPost = Date.now();
  const flush = () => {
    if (pending.length === 0) return;
    // Wait (this thread only) while the main thread has not taken enough of what was posted.
    for (let n = Atomics.load(inFlight, 0); n >= MAX_BATCHES_IN_FLIGHT; n = Atomics.load(inFlight, 0)) Atomics.wait(inFlight, 0, n, 100);
    Atomics.add(inFlight, 0, 1);
    post({ type: 'streams', streams: pending });
    pending = [];
    lastPost = Date.now();
  };
  await scanStreams(input, new StreamCursor(cursor, input.streamStart.length - 1), {
    stream(result) {
      memory.handled(result.connection.clientToServer.bytes.length + result.connection.serverToClient.bytes.length);
      pending.push(toScannedStream(result));
      if (pending.length >= 256 || Date.now() - lastPost > 100) flush();
    },
    progress(packets) {
      post({ type: 'progress', packets });
    },
  });
  flush();
}

function captureRules(streams: readonly number[], byStream: ReadonlyMap<number, readonly Finding[]>): void {
  const rules = ALL_RULES.filter((rule) => rule.scope === 'capture');
  const findings = withLazyAnalysedStreams(input, streams, byStream, (inputs) => findCaptureViolations(inputs, rules), (bytes) => memory.handled(bytes));
  post({ type: 'capture-findings', findings });
}

port.on('message', (job: ScanWorkerJob) => {
  const run = job.job === 'scan' ? scan(job.cursor, job.inFlight) : Promise.resolve().then(() => captureRules(job.streams, new Map(job.findings)));
  run.then(
    () => post({ type: 'done' }),
    (error: unknown) => post({ type: 'error', name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) }),
  );
});
