/**
 * Live capture: the processes behind it, and nothing above TCP segments.
 *
 *   source ─stdout─▶ server ─┬─▶ capture.raw (the bytes exactly as received; pcapng when stopped)
 *                            └─▶ FIFO ─▶ tshark -r - -l -T ek … ─▶ TcpSegment (TsharkCaptureSource)
 *
 * The source is `dumpcap -i IF [-f BPF] -w -` for an interface, or the configured command for a
 * pipe source (`ssh HOST tcpdump -U -w -`); both write a pcap/pcapng stream to stdout, so one
 * path serves both. Why this shape and not one `tshark -i IF -w FILE -T ek` process (measured on
 * `lo`, tshark 4.0.17, 10 connections 200 ms apart):
 *
 * - Latency. tshark's own capture loop (dumpcap writes a temp file, tshark polls it) delivered
 *   packets 60–840 ms after capture, and `tshark -i -` on a pipe the same; `dumpcap -w -` into
 *   `tshark -r FIFO -l` delivered them in 40–360 ms, most of it libpcap's 250 ms buffer timeout.
 *   A finding has 1 s to reach the Problems panel.
 * - Identity. tshark dissects exactly the bytes that are saved, so the live view's frame numbers
 *   and `tcp.stream` ids are the saved file's, and the reopened file has the same findings.
 * - A FIFO as tshark's stdin: tshark refuses `-r -` on a socket, and Node's child pipes are
 *   socketpairs. The server opens both ends (each open waits for the other, so neither blocks
 *   for long), hands the read end to tshark as stdin and writes the other: nothing written is
 *   lost however early the source ends, tshark never waits in open(2) for a writer that may not
 *   come, and it reads end-of-file when the server closes its end, or dies.
 * - Backpressure: the source's stdout is piped to both sinks; if tshark falls behind, the source
 *   blocks and the kernel drops packets, which dumpcap counts and reports when it stops.
 *
 * The source runs under processGuard.ts, so it ends with the server however the server ends.
 * POSIX only (FIFOs, process groups): on Windows, starting a capture fails with a clear message.
 */
import { execa, type ResultPromise } from 'execa';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaptureInterface, CaptureLimits, CaptureStatistics, LiveCaptureSource } from '../../../protocol/model';
import { buildGuardArgs, GUARD_GRACE_MS, GUARD_NOT_FOUND } from './processGuard';
import type { PacketSource } from './tcpSegment';
import { TsharkError } from './tsharkError';
import { binary as tsharkBinary, TsharkCaptureSource, type TsharkOptions } from './tsharkRunner';

/** Each live capture's temporary directory is named so (under the system's temporary directory by default). */
const LIVE_DIRECTORY_PREFIX = 'wirelens-live-';

//#region pure argument builders and output parsers

/** dumpcap's `-B`: the kernel's capture buffer for an interface, in MiB. */
export const KERNEL_BUFFER_MIB = 16;

/** dumpcap ships with tshark: next to an explicit tshark path, else on PATH. */
export function dumpcapBinary(options: TsharkOptions): string {
  const tshark = options.tsharkPath?.trim();
  if (!tshark || !/[\\/]/.test(tshark)) return 'dumpcap';
  return path.join(path.dirname(tshark), `dumpcap${path.extname(tshark)}`);
}

/** Machine-readable interface list: `N. name\tvendor\tfriendly name\ttype\taddresses\tloopback|network`. */
export function buildInterfaceListArgs(): string[] {
  return ['-D', '-M'];
}

export function parseInterfaceList(stdout: string): CaptureInterface[] {
  const interfaces: CaptureInterface[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^\d+\. (.*)$/.exec(line.trimEnd());
    if (!match) continue;
    const [name, vendor, friendly, , addresses, kind] = match[1].split('\t');
    if (!name) continue;
    const description = friendly || vendor || undefined;
    interfaces.push({
      name,
      ...(description ? { description } : {}),
      addresses: addresses ? addresses.split(',').filter(Boolean) : [],
      loopback: kind === 'loopback',
    });
  }
  return interfaces;
}

/** Compiles the filter for the interface and prints the BPF program (`-d`) without capturing. */
export function buildFilterCheckArgs(iface: string, filter: string): string[] {
  return ['-i', iface, '-f', filter, '-d'];
}

/**
 * dumpcap capturing one interface to stdout as pcapng. `marker` (the capture's own directory)
 * goes in as `--temp-dir`, where dumpcap writes nothing with `-w -`: it names the process.
 */
export function buildDumpcapArgs(iface: string, filter: string | undefined, limits: CaptureLimits, marker: string): string[] {
  return [
    '-i', iface,
    ...(filter?.trim() ? ['-f', filter.trim()] : []),
    ...(limits.packets ? ['-c', String(limits.packets)] : []),
    ...(limits.durationSeconds ? ['-a', `duration:${Math.max(1, Math.ceil(limits.durationSeconds))}`] : []),
    // dumpcap's kB are 1000 bytes.
    ...(limits.bytes ? ['-a', `filesize:${Math.max(1, Math.ceil(limits.bytes / 1000))}`] : []),
    // 16 MiB of kernel buffer (dumpcap's default is 2): about 15 s of 10k small packets/s, so a
    // busy machine that delays the server for a moment costs latency, not packets.
    '-B', String(KERNEL_BUFFER_MIB),
    '-q',
    '--temp-dir', marker,
    '-w', '-',
  ];
}

/** Rewrites a finished capture (pcap from a pipe source, say) as pcapng, packet for packet. */
export function buildConvertArgs(input: string, output: string): string[] {
  return ['-r', input, '-w', output, '-F', 'pcapng'];
}

/** The argv a source runs: dumpcap for an interface, the configured command for a pipe source. */
export function sourceArgv(source: LiveCaptureSource, limits: CaptureLimits, marker: string, options: TsharkOptions): string[] {
  return source.kind === 'interface'
    ? [dumpcapBinary(options), ...buildDumpcapArgs(source.interface, source.filter, limits, marker)]
    : [...source.argv];
}

/** How a source is named in messages and titles. */
export function describeSource(source: LiveCaptureSource): string {
  if (source.kind === 'command') return source.name;
  return source.filter?.trim() ? `${source.interface} (${source.filter.trim()})` : source.interface;
}

/** dumpcap's and tcpdump's closing counts. */
export function parseCaptureStatistics(stderr: string): CaptureStatistics | undefined {
  const dumpcap = /Packets received\/dropped on interface '[^']*': (\d+)\/(\d+)/.exec(stderr);
  if (dumpcap) return { received: Number(dumpcap[1]), dropped: Number(dumpcap[2]) };
  const received = /(\d+) packets? received by filter/.exec(stderr);
  const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
  if (received && dropped) return { received: Number(received[1]), dropped: Number(dropped[1]) };
  return undefined;
}

/** stderr minus progress chatter and the warnings dumpcap prints on every run as root. */
export function captureStderrDetail(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line &&
        !/^Running as user "root"|^Capturing on |^File: |^Packets captured: |^Packets received\/dropped|cap_set_proc\(\) fail|^\*\* \(/.test(line),
    )
    .join('\n');
}

const PERMISSION_FIX =
  'add your user to the wireshark group (sudo usermod -aG wireshark $USER, then log in again) or give dumpcap the capture capabilities (sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v dumpcap)")';

/** Turns a source that ended badly into one sentence naming the interface or command and the fix. */
export function classifyCaptureFailure(source: LiveCaptureSource, exitCode: number | undefined, stderr: string, options: TsharkOptions = {}): TsharkError {
  const detail = captureStderrDetail(stderr);
  const firstLine = detail.split('\n')[0] ?? '';
  if (source.kind === 'interface') {
    const iface = source.interface;
    if (exitCode === GUARD_NOT_FOUND && /command not found/.test(detail)) {
      return new TsharkError(
        'not-found',
        `dumpcap was not found (looked for "${dumpcapBinary(options)}"): it comes with tshark, so install it (Debian/Ubuntu: sudo apt-get install tshark) or set wirelens.tsharkPath to a tshark with dumpcap beside it.`,
        detail,
      );
    }
    if (/permission|not permitted|cap_net_raw/i.test(detail)) {
      return new TsharkError('failed', `Wirelens may not capture on "${iface}": dumpcap has no permission to capture; ${PERMISSION_FIX}.`, detail);
    }
    if (/There is no device named|No such device/i.test(detail)) {
      return new TsharkError('failed', `There is no interface named "${iface}": pick one from the list Wirelens: Start Live Capture shows (dumpcap -D).`, detail);
    }
    if (/Invalid capture filter/i.test(detail)) {
      const reason = /isn't a valid capture filter \((.*)\)/.exec(detail)?.[1] ?? firstLine;
      return new TsharkError('failed', `The capture filter "${source.filter ?? ''}" is not valid on "${iface}" (${reason}): fix it and start again.`, detail);
    }
    return new TsharkError('failed', `dumpcap could not capture on "${iface}"${firstLine ? `: ${firstLine}` : ` (exit code ${exitCode})`}.`, detail);
  }
  const command = source.argv[0] ?? '';
  if (exitCode === GUARD_NOT_FOUND && /command not found/.test(detail)) {
    return new TsharkError('failed', `The capture command "${command}" of source "${source.name}" was not found: fix its path in the wirelens.captureSources setting.`, detail);
  }
  if (/permission|not permitted/i.test(detail)) {
    return new TsharkError(
      'failed',
      `The capture command of source "${source.name}" was refused permission (${firstLine}): run it as a user who may capture there (root, the wireshark group, or tcpdump with CAP_NET_RAW).`,
      detail,
    );
  }
  return new TsharkError(
    'failed',
    `The capture command of source "${source.name}" (${command}) ended with exit code ${exitCode}${firstLine ? `: ${firstLine}` : ''}.`,
    detail,
  );
}

//#endregion

//#region short dumpcap runs

/** Interfaces dumpcap can open; extcap interfaces (sshdump, randpkt…) are left out: dumpcap cannot open them. */
export async function listCaptureInterfaces(options: TsharkOptions = {}): Promise<CaptureInterface[]> {
  const result = await execa(dumpcapBinary(options), buildInterfaceListArgs(), { timeout: 15_000, reject: false, stdin: 'ignore' });
  if ((result as { code?: string }).code === 'ENOENT') {
    throw classifyCaptureFailure({ kind: 'interface', interface: '' }, GUARD_NOT_FOUND, 'dumpcap: command not found', options);
  }
  if (result.exitCode !== 0) {
    throw new TsharkError('failed', `dumpcap could not list the interfaces: ${captureStderrDetail(String(result.stderr)).split('\n')[0] || `exit code ${result.exitCode}`}.`);
  }
  return parseInterfaceList(String(result.stdout));
}

/**
 * Compiles a capture filter for an interface. dumpcap exits 0 even when the filter is invalid,
 * so success is the BPF program on stdout; anything else is explained from stderr.
 */
export async function checkCaptureFilter(iface: string, filter: string, options: TsharkOptions = {}): Promise<string | undefined> {
  if (!filter.trim()) return undefined;
  const source: LiveCaptureSource = { kind: 'interface', interface: iface, filter };
  const result = await execa(dumpcapBinary(options), buildFilterCheckArgs(iface, filter.trim()), { timeout: 15_000, reject: false, stdin: 'ignore' });
  if ((result as { code?: string }).code === 'ENOENT') return classifyCaptureFailure(source, GUARD_NOT_FOUND, 'dumpcap: command not found', options).message;
  if (/^\(\d{3}\)/m.test(String(result.stdout))) return undefined;
  return classifyCaptureFailure(source, result.exitCode, String(result.stderr), options).message;
}

//#endregion

/** How the source ended. */
export interface LiveCaptureEnd {
  readonly statistics?: CaptureStatistics;
  /** The source failed on its own (not asked to stop): the one-sentence reason. */
  readonly failure?: TsharkError;
}

export interface LiveCaptureOptions extends TsharkOptions {
  /** Parent of the capture's own temporary directory (default: the system's). */
  readonly directory?: string;
  /** A source that writes nothing for this long has failed (default 20 s: ssh may be slow). */
  readonly startTimeoutMs?: number;
  /** Aborting kills the capture at once. */
  readonly signal?: AbortSignal;
}

const PCAPNG_MAGIC = 0x0a0d0d0a;
/** Capture data held for tshark when it falls behind, before the source is paused (about a minute at 10k packets/s). */
const TSHARK_BUFFER_BYTES = 64 * 1024 * 1024;

/** Captures still running, killed with the server if it exits while they are (see also processGuard.ts). */
const running = new Set<LiveCapture>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const capture of running) capture.signalGroup('SIGTERM');
  });
}

export class LiveCapture {
  /** The capture's temporary directory; its path is in every process's argv. */
  readonly directory: string;
  /** The pcapng file, complete once `finalize()` has run. */
  readonly file: string;
  /** TCP segments as tshark dissects them; ends when the source has ended and tshark has read everything. */
  readonly reader: PacketSource;
  readonly label: string;
  private readonly rawFile: string;
  private readonly fifo: string;
  /** The FIFO's read end, tshark's stdin; held here until the reader is done with it. */
  private readerFd?: number;
  private subprocess?: ResultPromise;
  private received = 0;
  private header?: Buffer;
  private stopRequested = false;
  private killTimer?: NodeJS.Timeout;
  private durationTimer?: NodeJS.Timeout;
  private endedPromise?: Promise<LiveCaptureEnd>;
  private detach?: () => void;

  /**
   * Deletes the temporary directory of a live capture whose server is gone (it died: the one that
   * replaced it never knew the capture), when its editor closes unsaved. Only a directory this
   * class makes (`wirelens-live-*` directly under `parent`, where `file` would be: a capture cut off
   * before it stopped has only its raw file there); anything else is left.
   */
  static async discardOrphan(file: string, parent = os.tmpdir()): Promise<boolean> {
    const directory = path.dirname(path.resolve(file));
    if (path.dirname(directory) !== path.resolve(parent) || !path.basename(directory).startsWith(LIVE_DIRECTORY_PREFIX)) return false;
    const exists = await fsp.stat(directory).then((stat) => stat.isDirectory(), () => false);
    if (!exists) return false;
    await fsp.rm(directory, { recursive: true, force: true });
    return true;
  }

  /** Starts capturing; resolves once the source has written its file header, or rejects with one sentence. */
  static async start(source: LiveCaptureSource, limits: CaptureLimits, options: LiveCaptureOptions = {}): Promise<LiveCapture> {
    if (process.platform === 'win32') {
      throw new TsharkError('failed', 'Live capture needs Linux or macOS (it feeds tshark through a FIFO); on Windows, capture with Wireshark and open the file.');
    }
    if (source.kind === 'command' && source.argv.length === 0) {
      throw new TsharkError('failed', `The capture source "${source.name}" has no command: give it one in the wirelens.captureSources setting.`);
    }
    const directory = await fsp.mkdtemp(path.join(options.directory ?? os.tmpdir(), LIVE_DIRECTORY_PREFIX));
    const capture = new LiveCapture(source, limits, directory, options);
    try {
      await capture.launch();
      return capture;
    } catch (error) {
      capture.signalGroup('SIGKILL');
      await capture.ended.catch(() => undefined);
      capture.readerDone();
      await fsp.rm(directory, { recursive: true, force: true });
      throw error;
    }
  }

  private constructor(
    private readonly source: LiveCaptureSource,
    private readonly limits: CaptureLimits,
    directory: string,
    private readonly options: LiveCaptureOptions,
  ) {
    this.directory = directory;
    this.label = describeSource(source);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, '');
    const name = (source.kind === 'interface' ? source.interface : source.name).replace(/[^\w.-]+/g, '_').slice(0, 40) || 'capture';
    this.file = path.join(directory, `${name}-${stamp}.pcapng`);
    this.rawFile = path.join(directory, 'capture.raw');
    this.fifo = path.join(directory, 'packets.fifo');
    const reader: PacketSource = {
      segments: (signal) => {
        if (this.readerFd === undefined) throw new TsharkError('failed', `The capture of ${this.label} has not started.`);
        const source = new TsharkCaptureSource(`the capture of ${this.label}`, {
          tsharkPath: options.tsharkPath,
          lineBuffered: true,
          tempDir: directory,
          stdin: this.readerFd,
        });
        return source.segments(signal);
      },
    };
    this.reader = reader;
  }

  /** Capture data received so far, in bytes. */
  get bytes(): number {
    return this.received;
  }

  get sourceKind(): LiveCaptureSource['kind'] {
    return this.source.kind;
  }

  /** Settles when the source has ended and both sinks are closed (never rejects). */
  get ended(): Promise<LiveCaptureEnd> {
    return this.endedPromise ?? Promise.resolve({});
  }

  private async launch(): Promise<void> {
    await execa('mkfifo', ['-m', '600', this.fifo], { stdin: 'ignore' });
    const open = (flags: number) => new Promise<number>((resolve, reject) => fs.open(this.fifo, flags, (error, fd) => (error ? reject(error) : resolve(fd))));
    const [readerFd, writerFd] = await Promise.all([open(fs.constants.O_RDONLY), open(fs.constants.O_WRONLY)]);
    this.readerFd = readerFd;
    // A deep buffer towards tshark: while the analysis holds the event loop, the source's stdout
    // is still drained into the file, instead of backing up into dumpcap (and kernel drops).
    const fifoSocket = new net.Socket({ fd: writerFd, readable: false, writable: true, writableHighWaterMark: TSHARK_BUFFER_BYTES } as net.SocketConstructorOpts);
    const fileStream = fs.createWriteStream(this.rawFile);
    const argv = sourceArgv(this.source, this.limits, this.directory, this.options);
    const subprocess = execa(process.execPath, buildGuardArgs(this.directory, argv), {
      // Its own process group, so the guard can signal everything the source starts.
      detached: true,
      stdin: 'pipe',
      buffer: { stdout: false, stderr: true },
      maxBuffer: { stderr: 1024 * 1024 },
      encoding: 'buffer',
      // The server may run on Electron's binary (desktop VS Code): make it behave as Node.
      env: { ELECTRON_RUN_AS_NODE: '1' },
      reject: false,
      cancelSignal: this.options.signal,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: false,
    });
    this.subprocess = subprocess;
    running.add(this);
    installExitHook();
    subprocess.stdin?.on('error', () => undefined); // the guard may be gone already
    fifoSocket.on('error', () => undefined); // tshark gone: the reader reports why
    const stdout = subprocess.stdout!;
    let firstData!: () => void;
    const started = new Promise<void>((resolve) => (firstData = resolve));
    stdout.on('data', (chunk: Buffer) => {
      if (this.received === 0) firstData();
      this.received += chunk.length;
      if (!this.header || this.header.length < 4) this.header = Buffer.concat([this.header ?? Buffer.alloc(0), chunk]).subarray(0, 4);
      // dumpcap stops itself at -a filesize; a command source is stopped here.
      if (this.limits.bytes && this.received >= this.limits.bytes && this.source.kind === 'command') this.stop();
    });
    stdout.pipe(fileStream);
    stdout.pipe(fifoSocket);
    this.detach = () => {
      stdout.unpipe(fifoSocket);
      fifoSocket.end();
    };
    const closed = (stream: fs.WriteStream | net.Socket) => new Promise<void>((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())));

    this.endedPromise = (async (): Promise<LiveCaptureEnd> => {
      const result = await subprocess;
      running.delete(this);
      clearTimeout(this.killTimer);
      clearTimeout(this.durationTimer);
      if (!stdout.readableEnded) stdout.destroy();
      // The pipes end both sinks when stdout ends; after a kill, end them here.
      if (!fileStream.writableEnded) fileStream.end();
      if (!fifoSocket.writableEnded) fifoSocket.end();
      await Promise.all([closed(fileStream), closed(fifoSocket)]);
      const stderr = Buffer.from((result.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');
      const statistics = parseCaptureStatistics(stderr);
      const exitCode = result.exitCode ?? (result.signal ? 128 + (os.constants.signals[result.signal as NodeJS.Signals] ?? 0) : undefined);
      let failure: TsharkError | undefined;
      if (!this.stopRequested && exitCode !== 0) failure = classifyCaptureFailure(this.source, exitCode, stderr, this.options);
      else if (this.received === 0 && !this.stopRequested) {
        failure = new TsharkError('failed', `${this.source.kind === 'interface' ? 'dumpcap' : `The capture command of source "${this.source.name}"`} ended without writing any capture data.`);
      }
      return { ...(statistics ? { statistics } : {}), ...(failure ? { failure } : {}) };
    })();

    const timeoutMs = this.options.startTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      started.then(() => 'started' as const),
      this.endedPromise.then((end) => end),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      throw new TsharkError('failed', `${this.label} wrote no capture data within ${Math.round(timeoutMs / 1000)} s: check that the command writes pcap or pcapng to stdout (tcpdump -U -w -).`);
    }
    if (outcome !== 'started') {
      throw outcome.failure ?? new TsharkError('failed', `${this.label} ended before capturing.`);
    }
    if (this.limits.durationSeconds && this.source.kind === 'command') {
      this.durationTimer = setTimeout(() => this.stop(), this.limits.durationSeconds * 1000);
    }
  }

  /** Asks the source to finish (it writes out what it has); kills the group if it does not within the grace period. */
  stop(): void {
    if (this.stopRequested || !this.subprocess) return;
    this.stopRequested = true;
    this.subprocess.stdin?.end();
    this.killTimer = setTimeout(() => this.signalGroup('SIGKILL'), GUARD_GRACE_MS + 2000);
    this.killTimer.unref();
  }

  /** Signals the guard's whole process group (guard and source) right away. */
  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.subprocess?.pid;
    if (pid === undefined || this.subprocess?.exitCode !== null) return;
    if (signal === 'SIGKILL') this.stopRequested = true;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  /** The pcapng file: the received stream itself when it is pcapng, else rewritten by tshark. */
  async finalize(): Promise<void> {
    await this.ended;
    if (this.received === 0) throw new TsharkError('failed', `${this.label} captured nothing, so there is no file to keep.`);
    if (this.header && this.header.length >= 4 && (this.header.readUInt32LE(0) === PCAPNG_MAGIC || this.header.readUInt32BE(0) === PCAPNG_MAGIC)) {
      await fsp.rename(this.rawFile, this.file);
      return;
    }
    const result = await execa(tsharkBinary(this.options), buildConvertArgs(this.rawFile, this.file), { reject: false, stdin: 'ignore', timeout: 120_000 });
    const converted = await fsp.stat(this.file).catch(() => undefined);
    if (!converted) {
      throw new TsharkError('failed', `tshark could not rewrite the capture of ${this.label} as pcapng: ${captureStderrDetail(String(result.stderr)).split('\n')[0] || `exit code ${result.exitCode}`}.`);
    }
    await fsp.rm(this.rawFile, { force: true });
  }

  /** Stops feeding tshark (it reads what it has, then ends) while the file keeps receiving everything. */
  detachReader(): void {
    this.detach?.();
    this.detach = undefined;
  }

  /** The reader has ended (or will never start): tshark has its own copy of the FIFO's read end. */
  readerDone(): void {
    if (this.readerFd === undefined) return;
    fs.close(this.readerFd, () => undefined);
    this.readerFd = undefined;
  }

  /** Deletes the temporary directory (the capture must have ended). */
  async remove(): Promise<void> {
    await this.ended;
    await fsp.rm(this.directory, { recursive: true, force: true });
  }
}
