/**
 * A small seeded PRNG (xorshift32) for fuzz cases and generated fixtures: the same seed gives the
 * same bytes on every machine, so a failing case is replayed from its number alone.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** A case's own seed from the run's seed and its number (so case n can be replayed alone). */
export function caseSeed(seed: number, label: string, n: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${label}:${n}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h || 1;
}
