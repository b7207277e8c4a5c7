/**
 * Custom requests and notifications between the extension (language client) and the server.
 * One namespace per message with its literal method and typed `type`, as vscode-eslint does;
 * both sides import this file, so a renamed field breaks both builds at once.
 * Standard LSP (diagnostics, hover) needs no entry here.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type {
  CaptureInterface,
  CaptureLimits,
  CaptureSummary,
  ConversationQuery,
  ConversationSummary,
  ExchangeDetail,
  Finding,
  LiveCaptureSource,
  LiveCaptureStatus,
  RuleInfo,
  StreamView,
} from './model';

export interface CaptureParams {
  /** Absolute file-system path of the capture. */
  readonly capture: string;
}

/** Dissect and analyse a capture (once; later calls answer from the cache). Cancellable. */
export namespace OpenCaptureRequest {
  export const method = 'wirelens/openCapture' as const;
  export const type = new RequestType<CaptureParams, CaptureSummary, void>(method);
}

export interface ConversationsParams extends CaptureParams {
  readonly start: number;
  readonly count: number;
  /** Sort and filters; positions (`start`) count rows of the sorted, filtered table. */
  readonly query?: ConversationQuery;
}
export interface ConversationsResult {
  /** Rows the query keeps. */
  readonly total: number;
  readonly start: number;
  readonly rows: readonly ConversationSummary[];
  /** Rows of the table with no filter (all conversations known so far). */
  readonly unfiltered?: number;
}

/** A page of the conversation table: the webview never receives a capture whole. */
export namespace ConversationsRequest {
  export const method = 'wirelens/conversations' as const;
  export const type = new RequestType<ConversationsParams, ConversationsResult, void>(method);
}

export interface DisplayFilterParams extends CaptureParams {
  /** A Wireshark display filter (`http.request.method == "POST"`), passed to tshark `-Y`. */
  readonly expression: string;
}
export interface DisplayFilterResult {
  /** tshark's own words when the expression is not a valid display filter. */
  readonly error?: string;
  /** TCP streams with at least one packet the filter keeps. */
  readonly matchedStreams?: number;
}

/**
 * Runs a display filter over the capture (tshark `-Y EXPR -T fields -e tcp.stream`) and keeps
 * its streams for later pages (`query.displayFilter`). Cancelling the request kills tshark.
 */
export namespace DisplayFilterRequest {
  export const method = 'wirelens/displayFilter' as const;
  export const type = new RequestType<DisplayFilterParams, DisplayFilterResult, void>(method);
}

export interface ExchangesParams extends CaptureParams {
  readonly stream: number;
}

/** The HTTP exchanges of one stream with sizes and timing (the expandable row of the table). */
export namespace ExchangesRequest {
  export const method = 'wirelens/exchanges' as const;
  export const type = new RequestType<ExchangesParams, readonly ExchangeDetail[], void>(method);
}

export interface FindingLocationParams extends CaptureParams {
  readonly finding: Pick<Finding, 'stream' | 'direction' | 'offset' | 'length'>;
}
export interface FindingLocation {
  /** The `wirelens-stream:` document (http mode) that shows the finding's bytes. */
  readonly uri: string;
  readonly range: { readonly start: { readonly line: number; readonly character: number }; readonly end: { readonly line: number; readonly character: number } };
}

/** Where a finding's bytes are in its stream document, so a click can reveal them. */
export namespace FindingLocationRequest {
  export const method = 'wirelens/findingLocation' as const;
  export const type = new RequestType<FindingLocationParams, FindingLocation, void>(method);
}

export interface ScanUpdateParams extends CaptureParams {
  /** Conversations known so far (all of them once the index is built). */
  readonly conversations: number;
  /**
   * The index pass has ended: `conversations` is final, and rows listed before it ended (their
   * packet and byte counts were still growing) should be asked for again.
   */
  readonly rowsFinal: boolean;
  /** Findings found since the previous update. */
  readonly findings: readonly Finding[];
}

/**
 * Sent while a capture is scanned (a few per second at most): the table can list rows and the
 * findings panel fill in before the scan ends.
 */
export namespace ScanUpdateNotification {
  export const method = 'wirelens/scanUpdate' as const;
  export const type = new NotificationType<ScanUpdateParams>(method);
}

export namespace FindingsRequest {
  export const method = 'wirelens/findings' as const;
  export const type = new RequestType<CaptureParams, readonly Finding[], void>(method);
}

export interface StreamTextParams {
  /** A `wirelens-stream:` URI (see streamUri.ts). */
  readonly uri: string;
}

/** The text of a followed stream document; the server also publishes its diagnostics. */
export namespace StreamTextRequest {
  export const method = 'wirelens/streamText' as const;
  export const type = new RequestType<StreamTextParams, string, void>(method);
}

export namespace RulesRequest {
  export const method = 'wirelens/rules' as const;
  export const type = new RequestType0<readonly RuleInfo[], void>(method);
}

export interface LoadProgressParams extends CaptureParams {
  readonly packets: number;
  /** 0..1, estimated from bytes dissected over file size. */
  readonly fraction: number;
}

/** Sent while a capture is being dissected, so the editor can show a progress bar. */
export namespace LoadProgressNotification {
  export const method = 'wirelens/loadProgress' as const;
  export const type = new NotificationType<LoadProgressParams>(method);
}

//#region TLS keys
export interface AttachTlsKeyLogParams extends CaptureParams {
  /** SSLKEYLOGFILE-format key log for this capture; absent detaches (back to the wirelens.tlsKeyLogFile setting). */
  readonly keyLog?: string;
  /** False: only remember it (the extension restoring its saved choices); default: analyse again now. */
  readonly reanalyze?: boolean;
}

/**
 * Uses a key log for one capture's TLS conversations and analyses it again: decrypted streams
 * go through the HTTP/1.x and HTTP/2 rules, and open stream documents get new diagnostics.
 */
export namespace AttachTlsKeyLogRequest {
  export const method = 'wirelens/attachTlsKeyLog' as const;
  export const type = new RequestType<AttachTlsKeyLogParams, CaptureSummary | null, void>(method);
}

export interface EmbedTlsKeysParams extends CaptureParams {
  readonly keyLog: string;
  /** The pcapng to write: the capture with the key log as a Decryption Secrets Block. */
  readonly output: string;
}

/** `editcap --inject-secrets tls,KEYS capture output`: a copy that decrypts anywhere, no key log needed. */
export namespace EmbedTlsKeysRequest {
  export const method = 'wirelens/embedTlsKeys' as const;
  export const type = new RequestType<EmbedTlsKeysParams, { readonly output: string }, void>(method);
}
//#endregion

//#region live capture
/** Interfaces dumpcap can open (loopback included). */
export namespace CaptureInterfacesRequest {
  export const method = 'wirelens/captureInterfaces' as const;
  export const type = new RequestType<void, readonly CaptureInterface[], void>(method);
}

export interface CheckCaptureFilterParams {
  readonly interface: string;
  /** BPF syntax; empty means no filter. */
  readonly filter: string;
}
export interface CheckCaptureFilterResult {
  /** One sentence when the filter (or the interface) cannot be used; absent when it can. */
  readonly error?: string;
}

/** Compiles a capture filter for an interface (`dumpcap -d`) without capturing. */
export namespace CheckCaptureFilterRequest {
  export const method = 'wirelens/checkCaptureFilter' as const;
  export const type = new RequestType<CheckCaptureFilterParams, CheckCaptureFilterResult, void>(method);
}

export interface StartLiveCaptureParams {
  readonly source: LiveCaptureSource;
  readonly limits?: CaptureLimits;
}

/**
 * Starts capturing; answers once packets can flow (the source wrote its file header), or fails
 * with one sentence (permissions, no such interface, bad filter, command not found).
 */
export namespace StartLiveCaptureRequest {
  export const method = 'wirelens/startLiveCapture' as const;
  export const type = new RequestType<StartLiveCaptureParams, LiveCaptureStatus, void>(method);
}

export interface StopLiveCaptureParams extends CaptureParams {
  /** Also delete the temporary file (its editor was closed without saving). */
  readonly discard?: boolean;
}

/** Stops a live capture; answers when every process has ended and the pcapng file is complete. */
export namespace StopLiveCaptureRequest {
  export const method = 'wirelens/stopLiveCapture' as const;
  export const type = new RequestType<StopLiveCaptureParams, LiveCaptureStatus, void>(method);
}

/** Sent on every analysis update of a live capture (a few per second at most), and when it ends. */
export namespace LiveCaptureNotification {
  export const method = 'wirelens/liveCapture' as const;
  export const type = new NotificationType<LiveCaptureStatus>(method);
}
//#endregion

//#region workbench: Analyze Capture, Copy as curl, rule documentation, errors
/**
 * Commands the server puts into code actions; the extension registers them (package.json
 * declares the same ids).
 */
export const ServerCommands = {
  showRuleDocumentation: 'wirelens.showRuleDocumentation',
  copyAsCurl: 'wirelens.copyAsCurl',
} as const;

/** Analyses a capture and publishes its findings as diagnostics on its streams' documents (Problems panel). */
export namespace AnalyzeCaptureRequest {
  export const method = 'wirelens/analyzeCapture' as const;
  export const type = new RequestType<CaptureParams, AnalyzeCaptureResult, void>(method);
}
export interface AnalyzeCaptureResult {
  readonly summary: CaptureSummary;
  /** Findings after the wirelens.rules setting (rules set to "off" left out). */
  readonly findings: number;
  /** The `wirelens-stream:` documents that got diagnostics. */
  readonly documents: readonly string[];
}

export interface CurlParams extends CaptureParams {
  readonly stream: number;
  /** Index of the HTTP/1.x exchange in the stream; absent: the first one with a request. */
  readonly exchange?: number;
}
export interface CurlResult {
  /** A bash command line; every argument shell-quoted. */
  readonly command: string;
  /** `POST /wrong` (escaped), to say what was copied. */
  readonly request: string;
}

/** The captured request of one exchange as a curl command line (Copy as curl). */
export namespace CurlRequest {
  export const method = 'wirelens/curl' as const;
  export const type = new RequestType<CurlParams, CurlResult, void>(method);
}

/** One rule's documentation as Markdown (the same section `wirelens rules --format markdown` writes). */
export namespace RuleDocumentationRequest {
  export const method = 'wirelens/ruleDocumentation' as const;
  export const type = new RequestType<{ readonly ruleId: string }, string, void>(method);
}

/**
 * `data` of a failed request when tshark itself is the problem, so the client can offer the fix
 * (the error's message is the sentence to show: it names the version found).
 */
export interface TsharkProblem {
  readonly tshark: 'not-found' | 'too-old';
  /** What was run: the wirelens.tsharkPath setting, or `tshark` from PATH. */
  readonly path: string;
  /** The oldest tshark Wirelens runs (`3.0`). */
  readonly required: string;
}
//#endregion

//#region stream view and exports
export interface StreamParams extends CaptureParams {
  readonly stream: number;
  /** One exchange (0-based position on the connection); absent: every exchange of the stream. */
  readonly exchange?: number;
}

/** The capture editor's stream view of one conversation: runs, findings placed in them, decoded bodies. */
export namespace StreamViewRequest {
  export const method = 'wirelens/streamView' as const;
  export const type = new RequestType<StreamParams, StreamView, void>(method);
}

/** Copy as Text: the exchange's request and response bytes, escaped as in stream documents. */
export namespace ExchangeTextRequest {
  export const method = 'wirelens/exchangeText' as const;
  export const type = new RequestType<StreamParams, string, void>(method);
}

export interface ExportHarParams extends StreamParams {
  /** The .har file to write. */
  readonly output: string;
}

/** Writes a HAR 1.2 file of the stream's HTTP/1.x exchanges (or one of them). */
export namespace ExportHarRequest {
  export const method = 'wirelens/exportHar' as const;
  export const type = new RequestType<ExportHarParams, { readonly output: string; readonly entries: number }, void>(method);
}

export interface ExportObjectsParams extends StreamParams {
  /** The folder to write the decoded bodies into (created if missing; existing files are kept). */
  readonly folder: string;
}
export interface ExportedObjectInfo {
  readonly file: string;
  readonly bytes: number;
  readonly note?: string;
}

/** Export HTTP Objects: every body of the stream (or exchange), decoded, one file each. */
export namespace ExportObjectsRequest {
  export const method = 'wirelens/exportObjects' as const;
  export const type = new RequestType<ExportObjectsParams, readonly ExportedObjectInfo[], void>(method);
}

export interface ExportPcapngParams extends CaptureParams {
  /** The TCP streams to keep; absent: the rows `query` keeps (what the table shows). */
  readonly streams?: readonly number[];
  readonly query?: ConversationQuery;
  readonly output: string;
}

/** A new pcapng holding only the chosen conversations' packets (tshark). Cancellable. */
export namespace ExportPcapngRequest {
  export const method = 'wirelens/exportPcapng' as const;
  export const type = new RequestType<ExportPcapngParams, { readonly output: string; readonly packets: number; readonly streams: number }, void>(method);
}

export interface ExportProgressParams {
  readonly output: string;
  readonly packets: number;
  /** 0..1: the last frame written over the capture's frames. */
  readonly fraction: number;
}

/** Sent while a pcapng export runs. */
export namespace ExportProgressNotification {
  export const method = 'wirelens/exportProgress' as const;
  export const type = new NotificationType<ExportProgressParams>(method);
}

/** Whether `wireshark` is on PATH (the Open in Wireshark menu item shows only then). */
export namespace WiresharkAvailableRequest {
  export const method = 'wirelens/wiresharkAvailable' as const;
  export const type = new RequestType0<boolean, void>(method);
}

/** Starts the user's Wireshark (detached) on the capture, filtered to the stream when one is given. */
export namespace OpenInWiresharkRequest {
  export const method = 'wirelens/openInWireshark' as const;
  export const type = new RequestType<CaptureParams & { readonly stream?: number }, { readonly wireshark: string }, void>(method);
}
//#endregion
