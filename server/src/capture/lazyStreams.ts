/**
 * Capture-scope rules look at every stream at once (a proxy's 502 and the upstream exchange that
 * caused it). Holding every stream's bytes for them would hold the capture, so for large
 * captures they get streams whose bytes and parse are read from the file when a rule touches them
 * (a few recent ones cached): identical answers, memory of a handful of streams.
 */
import type { Endpoint, Finding } from '../../../protocol/model';
import { parseHttpConnection, type HttpConversation } from '../http/httpConversation';
import type { AnalysedStream } from '../rules/rule';
import type { ReassembledDirection, TcpConnection } from '../tcp/tcpReassembler';
import { reassembleOne } from './analyzeStream';
import { PacketReader, SegmentMaker, withStreamSegments, type StreamPacketData } from './packetReader';

interface Loaded {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
}

const EMPTY_DIRECTION: ReassembledDirection = { bytes: new Uint8Array(0), spans: [], gaps: [], conflicts: [], zeroWindowFrames: [] };

export class LazyStreamLoader {
  private readonly cache = new Map<number, Loaded>();
  private reader?: PacketReader;
  private maker?: SegmentMaker;

  constructor(
    private readonly index: StreamPacketData,
    /** Told how many bytes each stream read back had (for memory control in workers). */
    private readonly onLoad?: (bytes: number) => void,
    private readonly cacheSize = 4,
  ) {}

  load(stream: number): Loaded {
    const cached = this.cache.get(stream);
    if (cached) {
      this.cache.delete(stream);
      this.cache.set(stream, cached);
      return cached;
    }
    this.reader ??= new PacketReader(this.index);
    this.maker ??= new SegmentMaker(this.index);
    const connection = withStreamSegments(this.reader, this.maker, this.index, stream, reassembleOne);
    const read = connection ?? emptyConnection(stream);
    const loaded: Loaded = { connection: read, http: parseHttpConnection(read) };
    this.cache.set(stream, loaded);
    this.onLoad?.(loaded.connection.clientToServer.bytes.length + loaded.connection.serverToClient.bytes.length);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
    return loaded;
  }

  /** Closes the capture file (reopened if a stream is loaded again). */
  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }
}

function emptyConnection(stream: number): TcpConnection {
  const nobody: Endpoint = { address: '?', port: 0 };
  return { stream, client: nobody, server: nobody, clientKnown: false, packets: 0, firstTime: 0, lastTime: 0, clientToServer: EMPTY_DIRECTION, serverToClient: EMPTY_DIRECTION };
}

/** A TcpConnection that reads its stream from the file the first time anything but its id is asked for. */
class LazyConnection implements TcpConnection {
  constructor(
    private readonly loader: LazyStreamLoader,
    readonly stream: number,
  ) {}

  private get loaded(): TcpConnection {
    return this.loader.load(this.stream).connection;
  }

  get client(): Endpoint {
    return this.loaded.client;
  }

  get server(): Endpoint {
    return this.loaded.server;
  }

  get clientKnown(): boolean {
    return this.loaded.clientKnown;
  }

  get packets(): number {
    return this.loaded.packets;
  }

  get firstTime(): number {
    return this.loaded.firstTime;
  }

  get lastTime(): number {
    return this.loaded.lastTime;
  }

  get clientToServer(): ReassembledDirection {
    return this.loaded.clientToServer;
  }

  get serverToClient(): ReassembledDirection {
    return this.loaded.serverToClient;
  }
}

class LazyAnalysedStream implements AnalysedStream {
  readonly connection: TcpConnection;

  constructor(
    private readonly loader: LazyStreamLoader,
    stream: number,
    readonly findings: readonly Finding[],
  ) {
    this.connection = new LazyConnection(loader, stream);
  }

  get http(): HttpConversation {
    return this.loader.load(this.connection.stream).http;
  }
}

/**
 * Runs `use` over the given streams of the capture (ascending) as capture-scope rule inputs that
 * read their bytes only when used; `findings` holds each stream's findings (absent: none).
 */
export function withLazyAnalysedStreams<T>(
  index: StreamPacketData,
  streams: readonly number[],
  findings: ReadonlyMap<number, readonly Finding[]>,
  use: (streams: AnalysedStream[]) => T,
  onLoad?: (bytes: number) => void,
): T {
  const loader = new LazyStreamLoader(index, onLoad);
  try {
    return use(streams.map((stream) => new LazyAnalysedStream(loader, stream, findings.get(stream) ?? [])));
  } finally {
    loader.close();
  }
}
