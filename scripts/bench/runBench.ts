/**
 * The benchmark: generated HTTP captures (generateCapture.ts), then in the same run, for
 * Wirelens and for tshark: the conversation list, following three streams, the full scan (and
 * whether every planted anomaly is found), peak RSS. Wirelens is measured as the language
 * server runs (one process: index, table, follows, scan; session.ts) and as the CLI; tshark as
 * `-z conv,tcp`, `-z follow,tcp,raw` (three streams in one pass) and an HTTP header pass.
 * Times are wall-clock from /usr/bin/time (or performance.now inside the session), peak RSS is
 * /usr/bin/time's %M or the session's process.resourceUsage().maxRSS (worker threads included;
 * the session runs with the server's environment, extension/src/serverProcess.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GENERATOR_VERSION, generateCapture, type CaptureManifest } from './generateCapture';
import { LARGEST_STREAM, type SessionResult } from './session';

export interface BenchCapture {
  readonly label: string;
  readonly targetBytes: number;
  readonly seed: number;
  /** Probability that an exchange carries a planted anomaly (generator default 0.002). */
  readonly anomalyRate?: number;
}

export interface BenchOptions {
  /** Where captures, logs and command outputs go (.bench/). */
  readonly dir: string;
  readonly captures: readonly BenchCapture[];
  /** Measure tshark too (the ratios need it). */
  readonly tshark: boolean;
  /** Wirelens runs per measurement; the best is reported (tshark runs once: it is the slow side). */
  readonly repeats: number;
  /** Runs one measured session in a child process, or in this one (smoke test). */
  readonly session: (file: string, streams: readonly number[]) => Promise<SessionResult>;
  /** The wirelens CLI (bin/wirelens). */
  readonly cli: string;
  /** One short line per step. */
  readonly log: (line: string) => void;
}

export interface TimedRun {
  readonly seconds: number;
  readonly maxRssKiB: number;
  readonly exitCode: number;
}

export interface CaptureReport {
  readonly label: string;
  readonly file: string;
  readonly manifest: CaptureManifest;
  readonly generatedSeconds?: number;
  readonly cat: TimedRun;
  readonly followStreams: readonly number[];
  readonly session: SessionResult;
  readonly plantedFound: number;
  /** Findings of the planted rules on streams where nothing was planted (false positives). */
  readonly unplantedFindings: number;
  readonly cli: { readonly conversations: TimedRun; readonly follow: readonly TimedRun[]; readonly analyze: TimedRun };
  readonly tshark?: { readonly conversations: TimedRun; readonly follow: TimedRun; readonly httpPass: TimedRun; readonly plantedVisible: number };
}

export interface BenchReport {
  readonly machine: MachineInfo;
  readonly captures: readonly CaptureReport[];
  readonly startedAt: string;
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly tshark: string;
}

export function machineInfo(): MachineInfo {
  const osRelease = fs.existsSync('/etc/os-release') ? /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined;
  const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${osRelease ?? os.type()} (${os.release()})`,
    node: process.version,
    tshark: /TShark \(Wireshark\) (\S+)/.exec(tshark.stdout ?? '')?.[1]?.replace(/\.$/, '') ?? 'not found',
  };
}

/** Runs a command under /usr/bin/time; stdout goes to `stdoutFile` (or nowhere), stderr to the log. */
export function timed(command: string, args: readonly string[], options: { stdoutFile?: string; logFile: string }): TimedRun {
  const stats = path.join(os.tmpdir(), `wirelens-bench-time-${process.pid}.txt`);
  const out = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : 'ignore';
  const log = fs.openSync(options.logFile, 'a');
  try {
    fs.writeSync(log, `\n$ ${command} ${args.join(' ')}\n`);
    const run = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', stats, command, ...args], { stdio: ['ignore', out, log] });
    const [seconds, rss] = fs.readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { seconds, maxRssKiB: rss, exitCode: run.status ?? -1 };
  } finally {
    if (typeof out === 'number') fs.closeSync(out);
    fs.closeSync(log);
    fs.rmSync(stats, { force: true });
  }
}

function best(runs: readonly TimedRun[]): TimedRun {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function bestSession(runs: readonly SessionResult[]): SessionResult {
  const min = (pick: (r: SessionResult) => number) => Math.min(...runs.map(pick));
  const fastest = runs.reduce((a, b) => (b.scanMs < a.scanMs ? b : a));
  return {
    ...fastest,
    indexMs: min((r) => r.indexMs),
    conversationListMs: min((r) => r.conversationListMs),
    follows: fastest.follows.map((f, i) => ({ ...f, ms: Math.min(...runs.map((r) => r.follows[i].ms)) })),
    scanMs: fastest.scanMs,
    maxRssKiB: Math.max(...runs.map((r) => r.maxRssKiB)),
  };
}

/** The capture for `spec`, generated unless the one on disk was made by this generator version from the same seed and size. */
export function ensureCapture(dir: string, spec: BenchCapture, log: (line: string) => void): { file: string; manifest: CaptureManifest; generatedSeconds?: number } {
  const file = path.join(dir, `http-${spec.label.replace(/\s+/g, '')}.pcap`);
  const manifestFile = `${file}.manifest.json`;
  if (fs.existsSync(file) && fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as CaptureManifest;
    const sameRate = (manifest.anomalyRate ?? 0.002) === (spec.anomalyRate ?? 0.002);
    if (manifest.version === GENERATOR_VERSION && manifest.seed === spec.seed && manifest.targetBytes === spec.targetBytes && sameRate && fs.statSync(file).size === manifest.bytes) {
      log(`${spec.label}: reusing ${path.relative(process.cwd(), file)} (seed ${spec.seed})`);
      return { file, manifest };
    }
  }
  log(`${spec.label}: generating ${path.relative(process.cwd(), file)} (seed ${spec.seed})…`);
  const started = performance.now();
  const manifest = generateCapture({ file, targetBytes: spec.targetBytes, seed: spec.seed, anomalyRate: spec.anomalyRate });
  return { file, manifest, generatedSeconds: (performance.now() - started) / 1000 };
}

/** Streams to follow: the first with a planted anomaly, one in the middle, and the largest (the session finds it). */
export function followStreamsOf(manifest: CaptureManifest): number[] {
  const planted = manifest.anomalies[0]?.stream ?? 0;
  const middle = Math.floor(manifest.streams / 2);
  return [...new Set([planted, middle])].sort((a, b) => a - b).concat(LARGEST_STREAM);
}

/**
 * Which planted anomalies tshark's HTTP header fields show (`-T fields` with all occurrences):
 * two Transfer-Encoding values in one message, or Content-Length with Transfer-Encoding.
 */
export function plantedVisibleInTsharkFields(output: string, manifest: CaptureManifest): number {
  const duplicateTe = new Set<number>();
  const clAndTe = new Set<number>();
  for (const line of output.split('\n')) {
    const [stream, te, cl] = line.split('\t');
    if (!stream || !te) continue;
    if (te.split(',').length >= 2) duplicateTe.add(Number(stream));
    if (cl) clAndTe.add(Number(stream));
  }
  return manifest.anomalies.filter((a) => (a.ruleId === 'duplicate-transfer-encoding' ? duplicateTe : clAndTe).has(a.stream)).length;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  fs.mkdirSync(options.dir, { recursive: true });
  const logFile = path.join(options.dir, 'bench.log');
  const startedAt = new Date().toISOString();
  const before = os.loadavg();
  const captures: CaptureReport[] = [];
  for (const spec of options.captures) {
    const { file, manifest, generatedSeconds } = ensureCapture(options.dir, spec, options.log);
    const cat = timed('cat', [file], { logFile });
    options.log(`${spec.label}: ${manifest.packets} packets, ${manifest.streams} streams, ${manifest.anomalies.length} planted anomalies; cat ${cat.seconds.toFixed(2)} s`);
    const sessions: SessionResult[] = [];
    for (let i = 0; i < options.repeats; i++) sessions.push(await options.session(file, followStreamsOf(manifest)));
    const session = bestSession(sessions);
    const followStreams = session.follows.map((f) => f.stream);
    const found = session.findings;
    const plantedFound = manifest.anomalies.filter((a) => found.some((f) => f.ruleId === a.ruleId && f.stream === a.stream && f.direction === a.direction)).length;
    const planted = new Set(manifest.anomalies.map((a) => `${a.ruleId} ${a.stream}`));
    const plantedRules = new Set(manifest.anomalies.map((a) => a.ruleId));
    const unplantedFindings = found.filter((f) => plantedRules.has(f.ruleId as never) && !planted.has(`${f.ruleId} ${f.stream}`)).length;
    options.log(`${spec.label}: Wirelens index ${ms(session.indexMs)}, scan ${ms(session.scanMs)} (${session.scanWorkers} workers), planted found ${plantedFound}/${manifest.anomalies.length}, RSS ${mib(session.maxRssKiB)}`);

    const cliRuns = (args: string[]) => best(Array.from({ length: options.repeats }, () => timed(process.execPath, [options.cli, ...args], { logFile })));
    const cli = {
      conversations: cliRuns(['conversations', file, '--format', 'json']),
      follow: followStreams.map((stream) => cliRuns(['follow', file, String(stream), '--format', 'raw'])),
      analyze: cliRuns(['analyze', file, '--format', 'json']),
    };
    options.log(`${spec.label}: CLI conversations ${cli.conversations.seconds.toFixed(2)} s, analyze ${cli.analyze.seconds.toFixed(2)} s`);

    let tshark: CaptureReport['tshark'];
    if (options.tshark) {
      options.log(`${spec.label}: tshark -z conv,tcp…`);
      const conversations = timed('tshark', ['-r', file, '-n', '-q', '-z', 'conv,tcp'], { logFile });
      options.log(`${spec.label}: tshark -z follow,tcp,raw ×${followStreams.length} (one pass)…`);
      const follow = timed('tshark', ['-r', file, '-n', '-q', ...followStreams.flatMap((s) => ['-z', `follow,tcp,raw,${s}`])], { logFile });
      options.log(`${spec.label}: tshark HTTP header pass…`);
      const fieldsFile = path.join(options.dir, `tshark-http-${spec.label.replace(/\s+/g, '')}.tsv`);
      const httpPass = timed('tshark', ['-r', file, '-n', '-Y', 'http', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'tcp.stream', '-e', 'http.transfer_encoding', '-e', 'http.content_length_header'], { logFile, stdoutFile: fieldsFile });
      const plantedVisible = plantedVisibleInTsharkFields(fs.readFileSync(fieldsFile, 'utf8'), manifest);
      tshark = { conversations, follow, httpPass, plantedVisible };
      options.log(`${spec.label}: tshark conv ${conversations.seconds.toFixed(1)} s, follow ${follow.seconds.toFixed(1)} s, HTTP pass ${httpPass.seconds.toFixed(1)} s`);
    }
    captures.push({ label: spec.label, file, manifest, generatedSeconds, cat, followStreams, session, plantedFound, unplantedFindings, cli, tshark });
  }
  return { machine: machineInfo(), captures, startedAt, loadAverage: { before, after: os.loadavg() } };
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function seconds(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} s` : value >= 10 ? `${value.toFixed(1)} s` : `${value.toFixed(2)} s`;
}

function mib(kib: number): string {
  return kib >= 1024 * 1024 ? `${(kib / 1024 / 1024).toFixed(2)} GiB` : `${(kib / 1024).toFixed(0)} MiB`;
}

function ratio(tshark: number | undefined, wirelens: number): string {
  if (tshark === undefined || wirelens <= 0) return '–';
  const r = tshark / wirelens;
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;
}

function sizeLabel(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** The report as markdown: results, linearity, goals, machine. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const row = (cells: readonly string[]) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push('| capture | task | Wirelens | tshark 4.0 | tshark ÷ Wirelens |', '|---|---|---:|---:|---:|');
  for (const c of report.captures) {
    const s = c.session;
    const t = c.tshark;
    const name = `${c.label} (${sizeLabel(c.manifest.bytes)}, ${(c.manifest.packets / 1e6).toFixed(2)} M packets, ${c.manifest.streams} streams)`;
    const follows = s.follows.reduce((sum, f) => sum + f.ms, 0) / 1000;
    const cliFollow = c.cli.follow.reduce((sum, f) => sum + f.seconds, 0);
    row([name, 'conversation list (server: index + first page)', seconds(s.conversationListMs / 1000), t ? seconds(t.conversations.seconds) : '–', ratio(t?.conversations.seconds, s.conversationListMs / 1000)]);
    row(['', '… CLI `wirelens conversations` (process start to exit)', seconds(c.cli.conversations.seconds), t ? seconds(t.conversations.seconds) : '–', ratio(t?.conversations.seconds, c.cli.conversations.seconds)]);
    const biggest = Math.max(...s.follows.map((f) => f.packets));
    row(['', `follow ${s.follows.length} streams, the largest (${biggest} packets) among them (server, index exists; slowest ${ms(Math.max(...s.follows.map((f) => f.ms)))})`, seconds(follows), t ? `${seconds(t.follow.seconds)} (one pass)` : '–', ratio(t?.follow.seconds, follows)]);
    row(['', `… CLI \`wirelens follow\` ×${c.cli.follow.length} (each builds the index)`, seconds(cliFollow), t ? seconds(t.follow.seconds) : '–', ratio(t?.follow.seconds, cliFollow)]);
    row([
      '',
      `full scan, all rules (server: scan after index; ${s.scanWorkers} worker threads); planted anomalies found`,
      `${seconds(s.scanMs / 1000)}; ${c.plantedFound}/${c.manifest.anomalies.length}`,
      t ? `${seconds(t.httpPass.seconds)} (HTTP header pass); ${t.plantedVisible}/${c.manifest.anomalies.length} visible in its fields` : '–',
      ratio(t?.httpPass.seconds, s.scanMs / 1000),
    ]);
    row(['', '… CLI `wirelens analyze` (index + scan + output)', seconds(c.cli.analyze.seconds), t ? seconds(t.httpPass.seconds) : '–', ratio(t?.httpPass.seconds, c.cli.analyze.seconds)]);
    row(['', 'peak RSS (server session, started as the extension starts the server: index, follows, scan; workers included)', mib(s.maxRssKiB), t ? `${mib(t.conversations.maxRssKiB)} conv · ${mib(t.httpPass.maxRssKiB)} HTTP` : '–', t ? ratio(t.conversations.maxRssKiB, s.maxRssKiB) : '–']);
    row(['', 'reference: `cat FILE > /dev/null`', seconds(c.cat.seconds), '', '']);
  }

  if (report.captures.length >= 2) {
    const [small, large] = [report.captures[0], report.captures[report.captures.length - 1]];
    const scale = large.manifest.bytes / small.manifest.bytes;
    lines.push('', `Cost against size (${large.label} ÷ ${small.label}; the file is ${scale.toFixed(1)}× larger):`, '', '| task | ' + small.label + ' | ' + large.label + ' | × |', '|---|---:|---:|---:|');
    const lin = (task: string, a: number, b: number, unit: (n: number) => string) => row([task, unit(a), unit(b), `${(b / a).toFixed(1)}×`]);
    lin('index (conversation list)', small.session.indexMs, large.session.indexMs, (n) => ms(n));
    lin('full scan', small.session.scanMs, large.session.scanMs, (n) => ms(n));
    lin('peak RSS', small.session.maxRssKiB, large.session.maxRssKiB, mib);
    if (small.tshark && large.tshark) lin('tshark -z conv,tcp', small.tshark.conversations.seconds * 1000, large.tshark.conversations.seconds * 1000, (n) => ms(n));
  }

  const large = report.captures[report.captures.length - 1];
  if (large) {
    const s = large.session;
    const gib = large.manifest.bytes / 2 ** 30;
    const maxFollow = Math.max(...s.follows.map((f) => f.ms)) / 1000;
    const conv = large.tshark?.conversations.seconds;
    const goal = (name: string, target: string, measured: string, met: boolean) => row([name, target, measured, met ? 'met' : '**not met**']);
    lines.push('', `Goals, on ${large.label}:`, '', '| goal | target | measured | |', '|---|---|---|---|');
    goal('conversation list', '≤ 1.5 s and ≥ 30× faster than tshark -z conv,tcp', `${seconds(s.conversationListMs / 1000)}, ${ratio(conv, s.conversationListMs / 1000)}`, s.conversationListMs <= 1500 && (conv === undefined || conv / (s.conversationListMs / 1000) >= 30));
    goal('follow any stream, index exists', '≤ 0.3 s', `slowest ${seconds(maxFollow)} of ${s.follows.length} streams, the largest (${Math.max(...s.follows.map((f) => f.packets))} packets) among them`, maxFollow <= 0.3);
    goal('full scan, every planted anomaly', '≤ 30 s (stretch 10 s)', `${seconds(s.scanMs / 1000)}, ${large.plantedFound}/${large.manifest.anomalies.length} found`, s.scanMs <= 30_000 && large.plantedFound === large.manifest.anomalies.length);
    const small = report.captures.length >= 2 ? report.captures[0] : undefined;
    const marginal = small ? (s.maxRssKiB - small.session.maxRssKiB) / 1024 / (gib - small.manifest.bytes / 2 ** 30) : undefined;
    goal(
      'server memory',
      '≤ 150 MiB per GB',
      `peak ${mib(s.maxRssKiB)} for ${gib.toFixed(2)} GiB = ${(s.maxRssKiB / 1024 / gib).toFixed(0)} MiB/GiB` + (marginal !== undefined ? `; ${marginal.toFixed(0)} MiB per additional GiB (${small!.label} → ${large.label})` : ''),
      s.maxRssKiB / 1024 / gib <= 150,
    );
  }

  const m = report.machine;
  lines.push(
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; tshark ${m.tshark}. ` +
      `Run ${report.startedAt}; load average ${report.loadAverage.before.map((n) => n.toFixed(1)).join('/')} before, ${report.loadAverage.after.map((n) => n.toFixed(1)).join('/')} after. ` +
      `Captures are in the page cache (read once by cat before timing). Wirelens times: best of the runs; tshark: one run.`,
  );
  return lines.join('\n') + '\n';
}
