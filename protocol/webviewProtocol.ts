/**
 * postMessage protocol between the capture editor (extension host) and its webview.
 * Discriminated unions on `type`, one per direction, shared by both builds (hexeditor style).
 * The webview displays what it is sent; it asks for conversation rows by page.
 */
import type { CaptureSummary, Finding, FollowMode, LiveCaptureStatus, RuleInfo } from './model';
import type { ConversationsResult } from './lspProtocol';
import type { StreamView } from './model';

//#region to webview
export interface LoadingMessage {
  readonly type: 'loading';
  readonly file: string;
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
export type ToWebviewMessage =
  | LoadingMessage
  | ProgressMessage
  | LoadedMessage
  | ConversationsMessage
  | ErrorMessage
  | LiveMessage
  | FindingsMessage
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
  | RequestStreamViewMessage;

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
  readonly preventDefaultContextMenuItems: true;
}
