/**
 * The capture fuzz, in process: a mutated pcap/pcapng (captureMutations.ts) through the direct
 * reader as the server uses it — the index pass (twice: default reads and small ones, which
 * must agree), the scan with every rule, each stream read on its own as a follow does, and every
 * packet read as a segment source. Allowed: an index, "not for the direct reader" (tshark reads
 * it then), or a CaptureFileError sentence. Anything else thrown, an index that breaks its own
 * invariants, or a scan of an unchanged file that fails, is a failure (docs/reliability.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeConnection, reassembleOne } from '../../server/src/capture/analyzeStream';
import { CaptureFileError } from '../../server/src/capture/captureFileError';
import { buildCaptureIndex, type CaptureIndex, type IndexOutcome } from '../../server/src/capture/captureIndex';
import { CaptureFormatError } from '../../server/src/capture/captureRecord';
import { DirectCaptureSource } from '../../server/src/capture/directCaptureSource';
import { analyzeIndexedCapture } from '../../server/src/capture/indexedAnalysis';
import { readStreamSegments } from '../../server/src/capture/packetReader';
import { directionOf } from '../../server/src/tcp/tcpReassembler';
import { captureBases, mutate, type Base, type CaptureFormat } from './captureMutations';
import { caseSeed, SeededRandom } from './seededRandom';

export interface CaptureFuzzFailure {
  readonly case: number;
  readonly steps: readonly string[];
  readonly error: string;
}

export interface CaptureFuzzResult {
  readonly cases: number;
  /** How the cases ended: whole index, partial (cut/damaged), left to tshark, refused. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failures: readonly CaptureFuzzFailure[];
}

export interface CaptureFuzzOptions {
  readonly format: CaptureFormat;
  readonly seed: number;
  /** Cases [first, first + cases). */
  readonly first?: number;
  readonly cases: number;
  /** Folder for the one mutated file (rewritten per case); /dev/shm is fastest. */
  readonly dir: string;
  /** Called before each case (the watchdog's heartbeat). */
  readonly onCase?: (n: number) => void;
}

type Settled = { readonly ok: IndexOutcome } | { readonly error: unknown };

async function settle(run: Promise<IndexOutcome>): Promise<Settled> {
  try {
    return { ok: await run };
  } catch (error) {
    return { error };
  }
}

function describe(settled: Settled): string {
  if ('error' in settled) return `${(settled.error as Error)?.name}: ${(settled.error as Error)?.message}`;
  if ('unsupported' in settled.ok) return `unsupported: ${settled.ok.unsupported}`;
  const { frames, problem, firstTime, packets, conversations, streamStart } = settled.ok.index;
  return JSON.stringify({
    frames,
    problem,
    firstTime,
    offsets: Array.from(packets.recordOffset),
    lengths: Array.from(packets.recordLength),
    frame: Array.from(packets.frame),
    fromA: Array.from(packets.fromA),
    streamStart: Array.from(streamStart),
    conversations,
  });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`invariant broken: ${what}`);
}

/** What an index promises about itself and the file it came from. */
function checkIndex(index: CaptureIndex, size: number): void {
  const { packets, streamStart, conversations } = index;
  check(packets.count <= index.frames, 'more TCP packets than frames');
  check(streamStart.length === conversations.length + 1 && streamStart[0] === 0 && streamStart[conversations.length] === packets.count, 'stream table does not cover the packets');
  for (let i = 0; i < packets.count; i++) {
    check(packets.recordOffset[i] + packets.recordLength[i] <= size, `packet ${i} ends past the file`);
    check(packets.frame[i] >= 1 && packets.frame[i] <= index.frames, `packet ${i} has frame ${packets.frame[i]} of ${index.frames}`);
  }
  const frames = Array.from(packets.frame).sort((a, b) => a - b);
  check(frames.every((f, i) => i === 0 || f > frames[i - 1]), 'a frame indexed twice');
  for (const c of conversations) {
    const first = streamStart[c.stream];
    const end = streamStart[c.stream + 1];
    check(c.packets === end - first && c.packets === c.framesAToB + c.framesBToA, `stream ${c.stream} packet counts disagree`);
    for (let i = first + 1; i < end; i++) check(packets.recordOffset[i] > packets.recordOffset[i - 1] && packets.frame[i] > packets.frame[i - 1], `stream ${c.stream} out of file order`);
  }
}

/** Everything the server does with an index of an unchanged file: none of it may throw. */
async function exercise(index: CaptureIndex): Promise<void> {
  const analysis = await analyzeIndexedCapture(index, { workers: 0 });
  check(analysis.conversations.length === index.conversations.length, 'scan lost conversations');
  for (const finding of analysis.findings) {
    const stream = analysis.streams.get(finding.stream);
    check(stream !== undefined, `finding on stream ${finding.stream}, which has no analysis`);
    const length = directionOf(stream!.connection, finding.direction).bytes.length;
    check(finding.offset >= 0 && finding.length >= 0 && finding.offset + finding.length <= length, `${finding.ruleId} points outside its bytes`);
  }
  for (const c of index.conversations.slice(0, 64)) {
    const segments = readStreamSegments(index, c.stream);
    check(segments.length === c.packets, `follow of stream ${c.stream} read ${segments.length} of ${c.packets} packets`);
    const connection = reassembleOne(segments);
    if (connection) analyzeConnection(connection);
  }
  let segments = 0;
  for await (const segment of new DirectCaptureSource(index).segments()) segments += segment.frame > 0 ? 1 : 0;
  check(segments === index.packets.count, 'segment source lost packets');
}

/** One case: write the mutant, index it with two read sizes, check, exercise. Returns the outcome's label. */
async function runCase(file: string, bytes: Buffer, random: SeededRandom): Promise<string> {
  fs.writeFileSync(file, bytes);
  const whole = await settle(buildCaptureIndex(file));
  const small = await settle(buildCaptureIndex(file, { chunkSize: 16 + random.below(2048) }));
  const a = describe(whole);
  if (a !== describe(small)) throw new Error(`the index depends on the read size:\n  default: ${a.slice(0, 300)}\n  small:   ${describe(small).slice(0, 300)}`);
  if ('error' in whole) {
    if (whole.error instanceof CaptureFileError) return 'refused (CaptureFileError)';
    if (whole.error instanceof CaptureFormatError) return 'left to tshark (CaptureFormatError)';
    throw whole.error;
  }
  if ('unsupported' in whole.ok) return 'left to tshark (unsupported)';
  const { index } = whole.ok;
  checkIndex(index, bytes.length);
  await exercise(index);
  return index.problem ? `partial (${index.problem.kind})` : 'whole';
}

/** Built once per process and format. */
const basesByFormat: Partial<Record<CaptureFormat, Base[]>> = {};

/** Runs cases [first, first + cases) of one format; each case's mutation depends only on (seed, format, n). */
export async function fuzzCaptures(options: CaptureFuzzOptions): Promise<CaptureFuzzResult> {
  const bases = (basesByFormat[options.format] ??= captureBases(options.format));
  const file = path.join(options.dir, `fuzz-${process.pid}-${options.format}.${options.format}`);
  const outcomes: Record<string, number> = {};
  const failures: CaptureFuzzFailure[] = [];
  const first = options.first ?? 0;
  try {
    for (let n = first; n < first + options.cases; n++) {
      options.onCase?.(n);
      const random = new SeededRandom(caseSeed(options.seed, options.format, n));
      const mutant = mutate(bases, random);
      try {
        const outcome = await runCase(file, mutant.bytes, random);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      } catch (error) {
        outcomes.failed = (outcomes.failed ?? 0) + 1;
        if (failures.length < 20) failures.push({ case: n, steps: mutant.steps, error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error) });
      }
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  return { cases: options.cases, outcomes, failures };
}

/** The mutant of case n, for the CLI sample and for replaying a failure. */
export function captureMutant(format: CaptureFormat, seed: number, n: number): { bytes: Buffer; steps: readonly string[] } {
  const bases = (basesByFormat[format] ??= captureBases(format));
  return mutate(bases, new SeededRandom(caseSeed(seed, format, n)));
}
