/**
 * The display filter that keeps some TCP streams (export, the TLS pass): `tcp.stream in {0, 3..5,
 * 9}`, consecutive streams as ranges. tshark 4.0 wants commas between set elements (whitespace
 * alone is a syntax error there).
 */
export function streamFilter(streams: readonly number[]): string {
  const sorted = [...new Set(streams)].sort((a, b) => a - b);
  if (sorted.length === 0 || !sorted.every((stream) => Number.isSafeInteger(stream) && stream >= 0)) {
    throw new RangeError('Choose at least one TCP stream (non-negative integers).');
  }
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}..${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return `tcp.stream in {${parts.join(', ')}}`;
}
