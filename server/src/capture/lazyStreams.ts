/**
 * Capture-scope rules look at every stream at once (a proxy's 502 and the upstream exchange that
 * caused it). Holding every stream's bytes for them would hold the capture, so for large
 * captures they get streams whose bytes and parse are read from the file when a rule touches them
 * (a few recent ones cached): identical answers, memory of a handful of streams.
 */
import type { ConversationSummary, Endpoint, Finding } from '../../../protocol/model';
import { parseHttpConnection, parseHttpConversation, type HttpConversation } from '../http/httpConversation';
import type { AnalysedStream } from '../rules/rule';
import type { ReassembledDirection, TcpConnection } from '../tcp/tcpReassembler';
import { reassembleOne } from './analyzeStream';
import { readStreamSegments, type StreamPacketData } from './packetReader';

interface Loaded {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
}

const EMPTY_DIRECTION: ReassembledDirection = { bytes: new Uint8Array(0), spans: [], gaps: [], conflicts: [], zeroWindowFrames: [] };

export class LazyStreamLoader {
  private readonly cache = new Map<number, Loaded>();

  constructor(
    private readonly index: StreamPacketData,
    private readonly cacheSize = 4,
  ) {}

  load(stream: number): Loaded {
    const cached = this.cache.get(stream);
    if (cached) {
      this.cache.delete(stream);
      this.cache.set(stream, cached);
      return cached;
    }
    const connection = reassembleOne(readStreamSegments(this.index, stream));
    const loaded: Loaded = connection
      ? { connection, http: parseHttpConnection(connection) }
      : { connection: emptyConnection(stream), http: parseHttpConversation(new Uint8Array(0), new Uint8Array(0)) };
    this.cache.set(stream, loaded);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
    return loaded;
  }
}

function emptyConnection(stream: number): TcpConnection {
  const nobody: Endpoint = { address: '?', port: 0 };
  return { stream, client: nobody, server: nobody, clientKnown: false, packets: 0, firstTime: 0, lastTime: 0, clientToServer: EMPTY_DIRECTION, serverToClient: EMPTY_DIRECTION };
}

/** A TcpConnection whose facts come from the scan's row and whose directions load on access. */
class LazyConnection implements TcpConnection {
  readonly stream: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly packets: number;
  readonly firstTime: number;
  readonly lastTime: number;

  constructor(
    private readonly loader: LazyStreamLoader,
    summary: ConversationSummary,
  ) {
    this.stream = summary.stream;
    this.client = summary.client;
    this.server = summary.server;
    this.packets = summary.packets;
    this.firstTime = summary.start;
    this.lastTime = summary.start + summary.durationSeconds;
  }

  get clientKnown(): boolean {
    return this.loader.load(this.stream).connection.clientKnown;
  }

  get clientToServer(): ReassembledDirection {
    return this.loader.load(this.stream).connection.clientToServer;
  }

  get serverToClient(): ReassembledDirection {
    return this.loader.load(this.stream).connection.serverToClient;
  }
}

class LazyAnalysedStream implements AnalysedStream {
  readonly connection: TcpConnection;

  constructor(
    private readonly loader: LazyStreamLoader,
    summary: ConversationSummary,
    readonly findings: readonly Finding[],
  ) {
    this.connection = new LazyConnection(loader, summary);
  }

  get http(): HttpConversation {
    return this.loader.load(this.connection.stream).http;
  }
}

/** Every scanned stream as a capture-scope rule input that reads its bytes only when used. */
export function lazyAnalysedStreams(index: StreamPacketData, streams: readonly { readonly summary: ConversationSummary; readonly findings: readonly Finding[] }[]): AnalysedStream[] {
  const loader = new LazyStreamLoader(index);
  return streams.map(({ summary, findings }) => new LazyAnalysedStream(loader, summary, findings));
}
