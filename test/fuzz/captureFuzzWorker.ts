/**
 * Worker-thread entry of the in-process capture fuzz (dist of esbuild: out/test/fuzz/captureFuzzWorker.js).
 * It stores the number of the case it is on in a shared counter, so runFuzz.ts can tell a hang
 * (the counter stops moving) from a slow run, name the case, and stop the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzCaptures, type CaptureFuzzOptions } from './captureFuzz';

export interface CaptureFuzzWorkerData extends Omit<CaptureFuzzOptions, 'onCase'> {
  /** [0]: the case being run. */
  readonly heartbeat: Int32Array;
}

const data = workerData as CaptureFuzzWorkerData;
void fuzzCaptures({ ...data, onCase: (n) => Atomics.store(data.heartbeat, 0, n) }).then((result) => parentPort!.postMessage(result));
