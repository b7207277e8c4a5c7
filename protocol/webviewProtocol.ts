/**
 * postMessage protocol between the capture editor (extension host) and its webview.
 * Discriminated unions on `type`, one per direction, shared by both builds (hexeditor style).
 * The webview displays what it is sent; it asks for conversation rows by page.
 */
import type { CaptureSummary, ConversationQuery, ExchangeDetail, Finding, FollowMode, LiveCaptureStatus, RuleInfo } from './model';
import type { ConversationsResult } from './lspProtocol';
import type { StreamView } from './model';

//#region to webview
export interface LoadingMessage {
  readonly type: 'loading';
  readonly file: string;
  /** The `wirelens.displayFilter` setting: the display filter a capture opens with. */
  readonly displayFilter?: string;
}
export interface ProgressMessage {
  readonly type: 'progress';
  readonly packets: number;
  readonly fraction: number;
}
export interface LoadedMessage {
  readonly type: 'loaded';
  readonly summary: CaptureSummary;
}
export interface ConversationsMessage {
  readonly type: 'conversations';
  readonly requestId: number;
  readonly result: ConversationsResult;
}
export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
}
/** A live capture's state: the banner, the counts, the rows that changed, the new findings. */
export interface LiveMessage {
  readonly type: 'live';
  readonly status: LiveCaptureStatus;
}
/** The capture's findings with the catalogue entries they refer to (title, RFC, verdicts). */
export interface FindingsMessage {
  readonly type: 'findings';
  readonly findings: readonly Finding[];
  readonly rules: readonly RuleInfo[];
}
/** While the scan runs: how many rows exist so far and the findings found since the last update. */
export interface ScanUpdateMessage {
  readonly type: 'scanUpdate';
  readonly conversations: number;
  /** See ScanUpdateParams.rowsFinal. */
  readonly rowsFinal: boolean;
  readonly findings: readonly Finding[];
}
/** The answer to an applyDisplayFilter: tshark's error, or how many streams matched. */
export interface DisplayFilterResultMessage {
  readonly type: 'displayFilterResult';
  readonly requestId: number;
  readonly expression: string;
  readonly error?: string;
  readonly matchedStreams?: number;
}
export interface ExchangesMessage {
  readonly type: 'exchanges';
  readonly requestId: number;
  readonly stream: number;
  readonly exchanges: readonly ExchangeDetail[];
}
export type ToWebviewMessage =
  | LoadingMessage
  | ProgressMessage
  | LoadedMessage
  | ConversationsMessage
  | ErrorMessage
  | LiveMessage
  | FindingsMessage
  | ScanUpdateMessage
  | DisplayFilterResultMessage
  | ExchangesMessage
  | StreamViewMessage
  | OpenStreamViewMessage;

/** The answer to requestStreamView: the server's view model, or why there is none. */
export interface StreamViewMessage {
  readonly type: 'streamView';
  readonly requestId: number;
  readonly view?: StreamView;
  readonly error?: string;
}
/** The View Stream menu item: open the stream view on this conversation. */
export interface OpenStreamViewMessage {
  readonly type: 'openStreamView';
  readonly stream: number;
}
//#endregion

//#region from webview
/** First message of a (re)loaded webview; the host answers with the current state. */
export interface ReadyMessage {
  readonly type: 'ready';
}
export interface RequestConversationsMessage {
  readonly type: 'requestConversations';
  readonly requestId: number;
  readonly start: number;
  readonly count: number;
  readonly query?: ConversationQuery;
}
/** Runs a display filter; a newer one cancels it (the host kills its tshark). Empty: no filter. */
export interface ApplyDisplayFilterMessage {
  readonly type: 'applyDisplayFilter';
  readonly requestId: number;
  readonly expression: string;
}
/** The exchanges of one conversation, for its expanded row. */
export interface RequestExchangesMessage {
  readonly type: 'requestExchanges';
  readonly requestId: number;
  readonly stream: number;
}
/** A finding was clicked: open its stream document with its bytes selected. */
export interface RevealFindingMessage {
  readonly type: 'revealFinding';
  readonly finding: Pick<Finding, 'stream' | 'direction' | 'offset' | 'length'>;
}
/** Keyboard path to the same commands the context menu runs. */
export interface FollowMessage {
  readonly type: 'follow';
  readonly stream: number;
  readonly mode: FollowMode;
}
export interface CancelLoadMessage {
  readonly type: 'cancelLoad';
}
/** The banner's Stop button: same as the editor toolbar's Stop Live Capture. */
export interface StopCaptureMessage {
  readonly type: 'stopCapture';
}
/** The banner's Save As… button, once the capture has stopped. */
export interface SaveCaptureAsMessage {
  readonly type: 'saveCaptureAs';
}
export type FromWebviewMessage =
  | ReadyMessage
  | RequestConversationsMessage
  | FollowMessage
  | CancelLoadMessage
  | StopCaptureMessage
  | SaveCaptureAsMessage
  | ApplyDisplayFilterMessage
  | RequestExchangesMessage
  | RevealFindingMessage
  | RequestStreamViewMessage
  | SelectionMessage;

/** The conversation row selected (focused) in the table, or none: the editor-title Follow action follows it. */
export interface SelectionMessage {
  readonly type: 'selection';
  readonly stream?: number;
}

/** Opens the stream view of a conversation (View button, Space on a row, the View Stream menu item). */
export interface RequestStreamViewMessage {
  readonly type: 'requestStreamView';
  readonly requestId: number;
  readonly stream: number;
}
//#endregion

/**
 * The object a conversation row carries in `data-vscode-context`; VS Code passes it to the
 * `webview/context` menu commands (plus `webview`, the view type).
 */
export interface ConversationMenuContext {
  readonly webviewSection: 'conversation';
  readonly capture: string;
  readonly stream: number;
  /** Set on an exchange row of an expanded conversation: its 0-based position on the connection. */
  readonly exchange?: number;
  readonly preventDefaultContextMenuItems: true;
}
