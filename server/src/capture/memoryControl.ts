/**
 * Keeps a worker thread's memory flat while it streams a capture through. Each stream leaves
 * behind buffers (its records, its reassembled bytes) that V8 counts as external memory and
 * collects only after some 64 MiB more have been allocated, per thread; two scan workers and
 * the capture-rules worker would each carry that much garbage. A full collection every
 * COLLECT_EVERY bytes of streams bounds it for a few milliseconds each time (the live heap of a
 * worker is one stream). V8's `gc` is only reachable after --expose-gc, which worker threads
 * cannot be given on the command line, so it is switched on at run time, for this worker only.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const COLLECT_EVERY = 24 * 1024 * 1024;

export class MemoryControl {
  private readonly collect: (() => void) | undefined;
  private since = 0;

  constructor() {
    try {
      v8.setFlagsFromString('--expose-gc');
      this.collect = vm.runInNewContext('gc') as () => void;
    } catch {
      this.collect = undefined;
    }
  }

  /** Counts bytes of stream data handled; collects garbage when enough has passed. */
  handled(bytes: number): void {
    this.since += bytes;
    if (this.since < COLLECT_EVERY || !this.collect) return;
    this.since = 0;
    this.collect();
  }
}
