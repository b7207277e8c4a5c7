/**
 * Writes a synthetic HTTP/1.1 capture of a chosen size, deterministically from a seed, with a
 * manifest of the anomalies planted in it. No network: frames are built in memory (packets.ts)
 * and written as a classic pcap (Ethernet, nanosecond timestamps).
 *
 * Traffic: many clients, keep-alive connections interleaved like a busy proxy's upstream side,
 * GET and POST requests, Content-Length and chunked bodies of varied sizes cut at a 1448-byte
 * MSS, delayed ACKs, a few retransmissions and some 4-tuples reused after close (new ISN, so
 * tshark starts a new tcp.stream). Planted: the incident (a response with Transfer-Encoding
 * twice, differing in case) and Content-Length with Transfer-Encoding, in requests and responses.
 */
import * as fs from 'node:fs';
import { pcapFileHeader, writePcapRecordHeader } from '../../server/src/capture/captureWriter';
import { Flag, tcpFrameLength, windowScaleOption, writeTcpFrame, type TcpFrameSpec } from './packets';

export const GENERATOR_VERSION = 3;

export interface GenerateOptions {
  readonly file: string;
  /** Stop after about this many bytes of capture file. */
  readonly targetBytes: number;
  readonly seed: number;
  /** Connections open at once (default 48). */
  readonly concurrency?: number;
  /** Probability that an exchange carries a planted anomaly (default 0.002). */
  readonly anomalyRate?: number;
  /** Also stop once about this many TCP streams exist (the table-scale capture: many small connections). */
  readonly targetStreams?: number;
  /** At most this many exchanges per connection (default 12). */
  readonly maxExchanges?: number;
  /** Response bodies are cut to at most this many bytes (default: no cap). */
  readonly maxBodyBytes?: number;
}

export interface PlantedAnomaly {
  readonly ruleId: 'duplicate-transfer-encoding' | 'cl-and-te';
  readonly stream: number;
  readonly direction: 'client-to-server' | 'server-to-client';
  /** 0-based index of the exchange on its connection. */
  readonly exchange: number;
}

export interface CaptureManifest {
  readonly generator: string;
  readonly version: number;
  readonly seed: number;
  readonly targetBytes: number;
  readonly anomalyRate: number;
  readonly bytes: number;
  readonly packets: number;
  readonly streams: number;
  readonly exchanges: number;
  readonly reusedTuples: number;
  readonly retransmissions: number;
  readonly anomalies: readonly PlantedAnomaly[];
}

/** mulberry32: small, fast, seedable; good enough to shape traffic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MSS = 1448;
const PATHS = ['/api/orders', '/api/orders/42', '/api/users/me', '/static/app.js', '/static/style.css', '/docs/index.html', '/health', '/api/search?q=widgets', '/api/cart', '/checkout'];
const AGENTS = ['curl/7.88.1', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36', 'okhttp/4.12.0', 'Go-http-client/1.1', 'python-requests/2.31.0'];
const TYPES = ['application/json', 'text/html; charset=utf-8', 'application/javascript', 'text/css', 'text/plain'];

interface Endpoint {
  readonly address: string;
  readonly port: number;
}

type Packet = Omit<TcpFrameSpec, 'link'>;

/** One TCP connection: yields its packets in order, one exchange after another. */
class Connection {
  readonly packets: Packet[] = [];
  clientSeq: number;
  serverSeq: number;
  done = false;
  /** tshark's tcp.stream: given when the SYN is written (file order), -1 before. */
  stream = -1;
  private exchange = 0;

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    private exchanges: number,
    private readonly random: () => number,
    private readonly pool: Buffer,
    private readonly plant: (exchange: number) => PlantedAnomaly['ruleId'] | undefined,
    private readonly onPlanted: (anomaly: PlantedAnomaly) => void,
    private readonly maxBodyBytes = Infinity,
  ) {
    this.clientSeq = Math.floor(random() * 0xffffffff);
    this.serverSeq = Math.floor(random() * 0xffffffff);
    const ws = windowScaleOption(7);
    this.packets.push(
      { src: client, dst: server, seq: this.clientSeq, flags: Flag.SYN, window: 64240, options: ws },
      { src: server, dst: client, seq: this.serverSeq, ack: this.clientSeq + 1, flags: Flag.SYN | Flag.ACK, window: 65160, options: ws },
    );
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    this.serverSeq = (this.serverSeq + 1) >>> 0;
    this.packets.push({ src: client, dst: server, seq: this.clientSeq, ack: this.serverSeq, flags: Flag.ACK, window: 502 });
  }

  private text(length: number): Buffer {
    const at = Math.floor(this.random() * (this.pool.length - length));
    return this.pool.subarray(at, at + length);
  }

  private bodySize(): number {
    const r = this.random();
    if (r < 0.55) return 100 + Math.floor(this.random() * 3000);
    if (r < 0.88) return 3000 + Math.floor(this.random() * 40000);
    return 40000 + Math.floor(this.random() * 260000);
  }

  /** Sends `data` from one side in MSS segments, the other side ACKing every second one. */
  private send(fromClient: boolean, data: Buffer): void {
    const src = fromClient ? this.client : this.server;
    const dst = fromClient ? this.server : this.client;
    let unacked = 0;
    for (let at = 0; at < data.length; at += MSS) {
      const payload = data.subarray(at, Math.min(data.length, at + MSS));
      const last = at + MSS >= data.length;
      const seq = fromClient ? this.clientSeq : this.serverSeq;
      const ack = fromClient ? this.serverSeq : this.clientSeq;
      this.packets.push({ src, dst, seq, ack, flags: Flag.ACK | (last ? Flag.PSH : 0), window: 502, payload });
      if (fromClient) this.clientSeq = (this.clientSeq + payload.length) >>> 0;
      else this.serverSeq = (this.serverSeq + payload.length) >>> 0;
      if (++unacked === 2 || last) {
        unacked = 0;
        this.packets.push({ src: dst, dst: src, seq: fromClient ? this.serverSeq : this.clientSeq, ack: fromClient ? this.clientSeq : this.serverSeq, flags: Flag.ACK, window: 502 });
      }
    }
  }

  /** No more exchanges after the current one (the capture has reached its size). */
  finishSoon(): void {
    this.exchanges = Math.min(this.exchanges, this.exchange);
  }

  /** Queues the next exchange, or the close. */
  advance(): void {
    if (this.exchange >= this.exchanges) {
      this.close();
      return;
    }
    const index = this.exchange++;
    const anomaly = this.plant(index);
    const r = this.random;
    const post = r() < 0.25;
    const path = PATHS[Math.floor(r() * PATHS.length)];
    const requestBody = post ? this.text(50 + Math.floor(r() * 2000)) : undefined;
    const requestLines = [
      `${post ? 'POST' : 'GET'} ${path} HTTP/1.1`,
      `Host: shop.example.internal`,
      `User-Agent: ${AGENTS[Math.floor(r() * AGENTS.length)]}`,
      'Accept: */*',
      `X-Request-Id: ${Math.floor(r() * 1e12).toString(16)}`,
    ];
    let requestHead: string;
    let requestPayload: Buffer;
    if (requestBody && anomaly === 'cl-and-te') {
      // Request smuggling shape: both framings.
      const chunked = chunk(requestBody, 1000);
      requestHead = [...requestLines, 'Content-Type: application/json', `Content-Length: ${chunked.length}`, 'Transfer-Encoding: chunked'].join('\r\n');
      requestPayload = Buffer.concat([Buffer.from(requestHead + '\r\n\r\n', 'latin1'), chunked]);
      this.onPlanted({ ruleId: 'cl-and-te', stream: this.stream, direction: 'client-to-server', exchange: index });
    } else if (requestBody) {
      requestHead = [...requestLines, 'Content-Type: application/json', `Content-Length: ${requestBody.length}`].join('\r\n');
      requestPayload = Buffer.concat([Buffer.from(requestHead + '\r\n\r\n', 'latin1'), requestBody]);
    } else {
      requestHead = requestLines.join('\r\n');
      requestPayload = Buffer.from(requestHead + '\r\n\r\n', 'latin1');
    }
    this.send(true, requestPayload);

    const size = Math.min(this.bodySize(), this.maxBodyBytes);
    const body = this.text(size);
    const clAndTeResponse = anomaly === 'cl-and-te' && !requestBody;
    const useChunked = r() < 0.4 || anomaly === 'duplicate-transfer-encoding' || clAndTeResponse;
    const head = ['HTTP/1.1 200 OK', 'Date: Tue, 25 Nov 2025 21:04:00 GMT', 'Server: envoy', `Content-Type: ${TYPES[Math.floor(r() * TYPES.length)]}`];
    let responsePayload: Buffer;
    if (useChunked) {
      const chunked = chunk(body, 4096 + Math.floor(r() * 8192));
      if (anomaly === 'duplicate-transfer-encoding') {
        head.push('Transfer-Encoding: Chunked', 'transfer-encoding: chunked');
        this.onPlanted({ ruleId: 'duplicate-transfer-encoding', stream: this.stream, direction: 'server-to-client', exchange: index });
      } else if (clAndTeResponse) {
        head.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked');
        this.onPlanted({ ruleId: 'cl-and-te', stream: this.stream, direction: 'server-to-client', exchange: index });
      } else {
        head.push('Transfer-Encoding: chunked');
      }
      responsePayload = Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), chunked]);
    } else {
      head.push(`Content-Length: ${body.length}`);
      responsePayload = Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
    }
    this.send(false, responsePayload);
  }

  private close(): void {
    const rst = this.random() < 0.03;
    if (rst) {
      this.packets.push({ src: this.client, dst: this.server, seq: this.clientSeq, flags: Flag.RST | Flag.ACK, ack: this.serverSeq, window: 0 });
    } else {
      this.packets.push(
        { src: this.client, dst: this.server, seq: this.clientSeq, ack: this.serverSeq, flags: Flag.FIN | Flag.ACK, window: 502 },
        { src: this.server, dst: this.client, seq: this.serverSeq, ack: this.clientSeq + 1, flags: Flag.FIN | Flag.ACK, window: 509 },
        { src: this.client, dst: this.server, seq: this.clientSeq + 1, ack: this.serverSeq + 1, flags: Flag.ACK, window: 502 },
      );
    }
    this.done = true;
  }
}

function chunk(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, Math.min(body.length, at + size));
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

/** Writes the capture and returns its manifest (also written next to it as FILE.manifest.json). */
export function generateCapture(options: GenerateOptions): CaptureManifest {
  const random = prng(options.seed);
  const concurrency = options.concurrency ?? 48;
  const anomalyRate = options.anomalyRate ?? 0.002;
  // A pool of printable text bodies are cut from (JSON-ish, not compressible to nothing).
  const pool = Buffer.alloc(1 << 20);
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}":,.-_/\n');
  for (let i = 0; i < pool.length; i++) pool[i] = alphabet[Math.floor(random() * alphabet.length)];

  const fd = fs.openSync(options.file + '.tmp', 'w');
  const out = Buffer.alloc(8 * 1024 * 1024);
  let used = 0;
  let bytes = 0;
  const flush = () => {
    fs.writeSync(fd, out, 0, used);
    used = 0;
  };
  const header = pcapFileHeader(1);
  header.copy(out, 0);
  used = header.length;
  bytes = header.length;

  const anomalies: PlantedAnomaly[] = [];
  const active: Connection[] = [];
  const closedTuples: { client: Endpoint; server: Endpoint }[] = [];
  const servers = Array.from({ length: 8 }, (_, i) => ({ address: `10.20.0.${10 + i}`, port: i % 2 ? 8080 : 80 }));
  let nextStream = 0;
  let nextPort = 32768;
  let clientHost = 0;
  let packets = 0;
  let exchanges = 0;
  let reusedTuples = 0;
  let retransmissions = 0;
  let nanos = 0;
  let seconds = 1764104640; // 2025-11-25T21:04:00Z
  let stopping = false;

  const open = () => {
    let client: Endpoint;
    let server: Endpoint;
    if (closedTuples.length > 20 && random() < 0.01) {
      // Reuse a closed 4-tuple: a new ISN makes tshark start a new stream.
      ({ client, server } = closedTuples.splice(Math.floor(random() * closedTuples.length), 1)[0]);
      reusedTuples++;
    } else {
      clientHost = (clientHost + 1) % 200;
      if (nextPort > 60999) nextPort = 32768;
      client = { address: `10.10.${Math.floor(clientHost / 50)}.${10 + (clientHost % 50)}`, port: nextPort++ };
      server = servers[Math.floor(random() * servers.length)];
    }
    const count = 1 + Math.floor(random() * random() * (options.maxExchanges ?? 12));
    exchanges += count;
    const connection = new Connection(
      client,
      server,
      count,
      random,
      pool,
      () => {
        if (random() >= anomalyRate) return undefined;
        return random() < 0.6 ? 'duplicate-transfer-encoding' : 'cl-and-te';
      },
      (anomaly) => anomalies.push(anomaly),
      options.maxBodyBytes,
    );
    active.push(connection);
  };

  while (active.length < concurrency) open();
  while (active.length > 0) {
    const i = Math.floor(random() * active.length);
    const connection = active[i];
    if (connection.packets.length === 0) {
      if (connection.done) {
        active.splice(i, 1);
        closedTuples.push({ client: connection.client, server: connection.server });
        if (closedTuples.length > 5000) closedTuples.shift();
        if (!stopping) open();
        continue;
      }
      connection.advance();
    }
    // A few packets of this connection, then another's turn.
    const burst = 1 + Math.floor(random() * 6);
    for (let k = 0; k < burst && connection.packets.length > 0; k++) {
      const packet = connection.packets.shift()!;
      if (connection.stream < 0) connection.stream = nextStream++;
      if (packet.payload && packet.payload.length > 0 && random() < 0.002) {
        // Sent again a few packets later, as after a lost ACK.
        connection.packets.splice(Math.min(connection.packets.length, 1 + Math.floor(random() * 4)), 0, { ...packet });
        retransmissions++;
      }
      const length = tcpFrameLength(packet);
      if (used + 16 + length > out.length) flush();
      nanos += 1000 + Math.floor(random() * 60000);
      if (nanos >= 1e9) {
        seconds += Math.floor(nanos / 1e9);
        nanos %= 1e9;
      }
      const at = writePcapRecordHeader(out, used, seconds, nanos, length);
      used = writeTcpFrame(out, at, packet);
      bytes += 16 + length;
      packets++;
    }
    if (!stopping && (bytes >= options.targetBytes || (options.targetStreams !== undefined && nextStream >= options.targetStreams))) {
      stopping = true;
      for (const open of active) open.finishSoon();
    }
  }
  flush();
  fs.closeSync(fd);
  fs.renameSync(options.file + '.tmp', options.file);
  const manifest: CaptureManifest = {
    generator: 'scripts/bench/generateCapture.ts',
    version: GENERATOR_VERSION,
    seed: options.seed,
    targetBytes: options.targetBytes,
    anomalyRate,
    bytes,
    packets,
    streams: nextStream,
    exchanges,
    reusedTuples,
    retransmissions,
    anomalies: anomalies.sort((a, b) => a.stream - b.stream || a.exchange - b.exchange),
  };
  fs.writeFileSync(options.file + '.manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
