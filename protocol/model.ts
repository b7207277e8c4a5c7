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
 * `observed` = seen by running it (reference names the script and version).
 */
export interface Verdict {
  readonly implementation: Implementation;
  readonly outcome: 'reject' | 'accept' | 'accept-with-rewrite';
  /** One sentence a user reads: "resets the upstream → client gets 502 UPE …". */
  readonly summary: string;
  readonly source: 'cited' | 'observed' | 'measured';
  readonly reference: string;
}

export interface RfcReference {
  readonly document: 'RFC 9110' | 'RFC 9112' | 'RFC 9293';
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
}

/** One request/response pair as listed in a conversation row. */
export interface ExchangeSummary {
  readonly method?: string;
  readonly target?: string;
  readonly status?: number;
  readonly reason?: string;
}

/** What a TCP conversation carries: HTTP/1.x (analysed), TLS or HTTP/2 (named, not parsed), other payload, or none. */
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
}

export type FollowMode = 'tcp' | 'http';
