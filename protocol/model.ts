/**
 * The data model every boundary speaks: the server produces these, the extension and the
 * webview only display them. Pure types and constants: no Node, no DOM, no vscode.
 */

/** Which way bytes flowed on a TCP connection. The client is the side that opened it. */
export type Direction = 'client-to-server' | 'server-to-client';

export type Severity = 'error' | 'warning' | 'info';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Implementations whose behaviour a rule's verdict table records. */
export type Implementation = 'envoy' | 'nginx' | 'haproxy' | 'node' | 'go' | 'curl';

/**
 * What one implementation does with a message that breaks a rule, and how we know it:
 * `cited` = read in its source (reference names file and function),
 * `observed` = seen by running it once (reference names the script and version),
 * `measured` = run on the rule's example by the verdict harness (test/verdicts/, `npm run
 * verdicts`); reference, `version` and `date` say which build and when.
 */
export interface Verdict {
  readonly implementation: Implementation;
  readonly outcome: 'reject' | 'accept' | 'accept-with-rewrite';
  /** One sentence a user reads: "resets the upstream → client gets 502 UPE …". */
  readonly summary: string;
  readonly source: 'cited' | 'observed' | 'measured';
  readonly reference: string;
  /** Measured verdicts: the implementation's version ("1.22.1"). */
  readonly version?: string;
  /** Measured verdicts: when (YYYY-MM-DD). */
  readonly date?: string;
}

export interface RfcReference {
  readonly document: 'RFC 9110' | 'RFC 9112' | 'RFC 9113' | 'RFC 9293';
  readonly section: string;
  readonly url: string;
}

/** A catalogue entry as shown to users (the detection function stays in the server). */
export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly rfc: RfcReference;
  readonly description: string;
  readonly verdicts: readonly Verdict[];
  /** Wire bytes (latin1, CRLFs spelled out) that break the rule: shown in docs, checked by tests. */
  readonly example?: { readonly request?: string; readonly response?: string };
}

/**
 * Another place that explains a finding, such as the first of two duplicates. Same stream and
 * direction as the finding unless `stream` / `direction` say otherwise.
 */
export interface RelatedBytes {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly stream?: number;
  readonly direction?: Direction;
}

/**
 * One anomaly, located on the wire: `offset`/`length` address bytes of that direction's
 * reassembled payload; `frame` is the frame that carried the first of them.
 */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly stream: number;
  readonly direction: Direction;
  readonly offset: number;
  readonly length: number;
  readonly frame: number;
  readonly related?: readonly RelatedBytes[];
  /**
   * Set when the bytes were decrypted from TLS: which record carried the first of them
   * (`frame` is the frame that completed that record).
   */
  readonly tlsRecord?: TlsRecordRef;
}

/** A TLS record located in the capture: the frame it completed in, and its place among that frame's records. */
export interface TlsRecordRef {
  readonly frame: number;
  /** 1-based position among the TLS records dissected in that frame. */
  readonly index: number;
}

/** One request/response pair as listed in a conversation row. */
export interface ExchangeSummary {
  readonly method?: string;
  readonly target?: string;
  readonly status?: number;
  readonly reason?: string;
  /** HTTP/2: the stream id of the exchange. */
  readonly http2Stream?: number;
  /** HTTP/2: the RST_STREAM (or GOAWAY) that cut the exchange, as `PROTOCOL_ERROR (0x1) from the server`. */
  readonly cutBy?: string;
  /** gRPC: grpc-status and grpc-message from the trailers (or a trailers-only response). */
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
}

/** A TLS alert seen in clear (or decrypted), RFC 8446 §6. */
export interface TlsAlert {
  readonly direction: Direction;
  readonly frame: number;
  readonly level: 'warning' | 'fatal' | string;
  /** `handshake_failure (40)`. */
  readonly description: string;
}

/**
 * What the handshake of a TLS conversation says, with or without keys. Without keys TLS 1.3
 * hides the certificate and the chosen ALPN protocol (they are in encrypted records).
 */
export interface TlsFacts {
  /** Negotiated version (`TLS 1.3`), or the highest record version seen. */
  readonly version?: string;
  /** SNI from the ClientHello. */
  readonly serverName?: string;
  readonly alpnOffered: readonly string[];
  /** The protocol the server chose (ServerHello, or EncryptedExtensions once decrypted). */
  readonly alpn?: string;
  readonly cipherSuite?: string;
  /** The server certificate's subject and issuer (RFC 4514 style), when the certificate was readable. */
  readonly certificateSubject?: string;
  readonly certificateIssuer?: string;
  readonly alerts: readonly TlsAlert[];
  /**
   * `decrypted`: application data was decrypted and analysed; `no-keys`: there were no keys for
   * this session; `partial`: some application records could not be decrypted.
   */
  readonly decryption: 'decrypted' | 'no-keys' | 'partial';
  /** Encrypted records (application data, and TLS 1.3's encrypted handshake), both directions. */
  readonly encryptedRecords: number;
}

/**
 * What a TCP conversation carries: HTTP/1.x, HTTP/2 (h2c, or h2 inside decrypted TLS), TLS that
 * could not be decrypted (handshake facts only), other payload, or none.
 */
export type StreamProtocol = 'http' | 'tls' | 'http2' | 'tcp' | 'empty';

export interface ConversationSummary {
  /** tshark's `tcp.stream` index. */
  readonly stream: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly packets: number;
  /** Payload bytes, both directions. */
  readonly bytes: number;
  /** Seconds since the epoch of the first packet. */
  readonly start: number;
  readonly durationSeconds: number;
  readonly protocol: StreamProtocol;
  readonly exchanges: readonly ExchangeSummary[];
  readonly findingCount: number;
  /** TLS conversations: the handshake facts, and whether the application data was decrypted. */
  readonly tls?: TlsFacts;
}

export interface CaptureSummary {
  readonly file: string;
  readonly sizeBytes: number;
  readonly packets: number;
  readonly conversations: number;
  readonly findings: number;
  readonly tsharkVersion: string;
  /** tshark's complaints (a truncated file, for example) when results are partial. */
  readonly warnings: readonly string[];
  /** Link-layer type(s) as capinfos names them (`Ethernet`, `Linux cooked-mode capture v2`). */
  readonly linkType?: string;
  /** First and last packet of the file, seconds since the epoch (capinfos). */
  readonly firstTime?: number;
  readonly lastTime?: number;
}

/**
 * One HTTP exchange of a conversation in detail: what the expandable row shows. Sizes are wire
 * bytes of each message (start line to end of body); times are capture times (seconds since the
 * epoch) of the first request byte and of the last response byte.
 */
export interface ExchangeDetail extends ExchangeSummary {
  /** 0-based position on the connection. */
  readonly index: number;
  readonly requestBytes?: number;
  readonly responseBytes?: number;
  readonly requestTime?: number;
  readonly responseTime?: number;
  /** From the request's first byte to the response's last byte. */
  readonly durationSeconds?: number;
  readonly requestFrame?: number;
  readonly responseFrame?: number;
}

/** Columns of the conversation table the server can sort by. */
export type ConversationColumn = 'stream' | 'client' | 'server' | 'packets' | 'bytes' | 'duration' | 'http' | 'findings';

/**
 * Which conversations a table page holds, and in which order: a sort, a text match (every word
 * must appear in the endpoints, methods, targets, statuses or finding rule ids) and a Wireshark
 * display filter (the streams `tshark -Y` keeps).
 */
export interface ConversationQuery {
  readonly sort?: { readonly column: ConversationColumn; readonly descending: boolean };
  readonly text?: string;
  readonly displayFilter?: string;
}

export type FollowMode = 'tcp' | 'http';

//#region live capture
/** A network interface dumpcap can capture on (`dumpcap -D -M`). */
export interface CaptureInterface {
  readonly name: string;
  /** The friendly name ("Loopback"), when the system has one. */
  readonly description?: string;
  readonly addresses: readonly string[];
  readonly loopback: boolean;
}

/**
 * Where live packets come from: a local interface (dumpcap), or a command whose stdout is a
 * pcap/pcapng stream (`ssh HOST tcpdump -U -w -`), run as an argv array, never through a shell.
 */
export type LiveCaptureSource =
  | { readonly kind: 'interface'; readonly interface: string; readonly filter?: string }
  | { readonly kind: 'command'; readonly name: string; readonly argv: readonly string[] };

/** Optional stop conditions; the first one reached ends the capture. */
export interface CaptureLimits {
  readonly durationSeconds?: number;
  readonly packets?: number;
  /** Capture data written, in bytes (dumpcap's `filesize`, rounded up to kB). */
  readonly bytes?: number;
}

export type LiveCaptureState = 'capturing' | 'stopping' | 'stopped' | 'failed';

/** What the capture engine counted (dumpcap's closing line), when it says. */
export interface CaptureStatistics {
  readonly received: number;
  readonly dropped: number;
}

/** A finding as it appeared during a live capture, with what it takes to measure its latency. */
export interface LiveFinding {
  readonly finding: Finding;
  /** Capture time (seconds since the epoch) of the packet that completed the message it is in. */
  readonly packetTime: number;
  /** Server clock (ms since the epoch) when the analysis produced it. */
  readonly foundAt: number;
}

/** The state of one live capture, sent on start, on every analysis update and when it ends. */
export interface LiveCaptureStatus {
  /** The capture file (temporary until saved); it names the capture in every request. */
  readonly capture: string;
  /** What is captured, for titles: `lo (tcp port 80)`, or the source's name. */
  readonly label: string;
  readonly state: LiveCaptureState;
  /** Server clock (ms since the epoch). */
  readonly startedAt: number;
  readonly elapsedSeconds: number;
  /** Capture data received from the source so far. */
  readonly bytes: number;
  /** TCP packets analysed so far. */
  readonly packets: number;
  readonly conversations: number;
  readonly findings: number;
  /** Findings that appeared since the previous status. */
  readonly newFindings: readonly LiveFinding[];
  /** Conversation rows that changed since the previous status (new ones included). */
  readonly changed: readonly ConversationSummary[];
  readonly statistics?: CaptureStatistics;
  /** One sentence on what went wrong or changed: why it ended or failed, or that live analysis stopped. */
  readonly message?: string;
}
//#endregion

//#region stream view
/** How a decoded body is shown: pretty-printed JSON, text, a hex preview, or nothing. */
export type DecodedBodyKind = 'json' | 'text' | 'binary' | 'empty';

/** One HTTP body as the stream view shows it: de-chunked, content codings undone, as text when it is text. */
export interface DecodedBodyView {
  readonly direction: Direction;
  /** Which exchange (0-based) of the conversation. */
  readonly exchange: number;
  /** `response 1 · GET /api/orders → 200 OK`. */
  readonly label: string;
  /** Where the body starts in its direction's payload, and its bytes as sent (framing included). */
  readonly offset: number;
  readonly wireLength: number;
  readonly decodedLength: number;
  /** `application/json`, lower-cased, without parameters. */
  readonly mediaType?: string;
  /** Content and transfer codings (chunked excepted) in the order they were applied. */
  readonly codings: readonly string[];
  readonly kind: DecodedBodyKind;
  /** json and text: the text, escaped for display, possibly cut (a note says so). */
  readonly text?: string;
  /** binary: the first bytes, base64, for a hex preview. */
  readonly preview?: string;
  /** One sentence each: decoding errors, caps reached, charsets guessed. */
  readonly notes: readonly string[];
}

/** A run of payload bytes one side sent between two turns of the other, in capture order. */
export interface StreamViewRun {
  readonly direction: Direction;
  /** First byte of the run in its direction's reassembled payload. */
  readonly offset: number;
  readonly length: number;
  readonly frame: number;
  /** The bytes, base64 (the hex view formats them). */
  readonly data: string;
  /** The bytes as escaped text, one entry per line (stream documents' escaping: \xNN, ␊, ␍). */
  readonly lines: readonly string[];
}

/** A finding located in the text: which run, from (line, character) to (line, character), lines relative to the run. */
export interface StreamViewMark {
  readonly finding: number;
  readonly run: number;
  readonly startLine: number;
  readonly startCharacter: number;
  readonly endLine: number;
  readonly endCharacter: number;
}

/** A finding with what its tooltip says: the rule, its RFC section, and what each implementation does. */
export interface StreamViewFinding {
  readonly finding: Finding;
  readonly title: string;
  readonly rfc?: RfcReference;
  readonly verdicts: readonly Verdict[];
}

/** Everything the capture editor's stream view shows for one conversation; built by the server. */
export interface StreamView {
  readonly capture: string;
  readonly stream: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly protocol: StreamProtocol;
  /** Payload bytes of each direction. */
  readonly clientBytes: number;
  readonly serverBytes: number;
  readonly runs: readonly StreamViewRun[];
  readonly marks: readonly StreamViewMark[];
  readonly findings: readonly StreamViewFinding[];
  readonly bodies: readonly DecodedBodyView[];
  /** Set when the view stops before the stream does (`showing the first 1 MiB of 3.2 MiB`). */
  readonly cut?: string;
}
//#endregion
