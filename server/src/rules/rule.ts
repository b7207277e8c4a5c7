/**
 * A catalogue rule is data (RuleInfo: id, title, RFC section, verdicts) plus one pure function
 * that returns the byte ranges breaking it. Most rules look at one parsed message; a few look at
 * the whole connection (TCP resets, zero windows, reuse after close). Stream ids, frames and
 * severity overrides are added by the analysis, never by rules.
 */
import type { ConversationSummary, Direction, Finding, RelatedBytes, RuleInfo, Severity } from '../../../protocol/model';
import type { HttpConversation, HttpExchange } from '../http/httpConversation';
import type { HeaderField, HttpMessage, Line } from '../http/httpMessage';
import type { TcpConnection } from '../tcp/tcpReassembler';
import { escapeLatin1 } from '../text/escapeBytes';

export interface RuleHit {
  /** Offset/length in the direction's reassembled bytes. */
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly related?: readonly RelatedBytes[];
  /**
   * Only for rules whose cases differ in weight (a capture that simply stopped vs. a connection
   * that was closed mid-message): overrides the rule's severity for this hit.
   */
  readonly severity?: Severity;
}

/** What a message rule sees: the message, the bytes it was parsed from, and its exchange. */
export interface MessageContext {
  readonly message: HttpMessage;
  /** The whole reassembled payload of the message's direction. */
  readonly bytes: Uint8Array;
  readonly exchange: HttpExchange;
  readonly conversation: HttpConversation;
}

export interface ConnectionContext {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
}

export interface MessageRule extends RuleInfo {
  readonly scope: 'message';
  check(context: MessageContext): RuleHit[];
}

export interface ConnectionRule extends RuleInfo {
  readonly scope: 'connection';
  check(context: ConnectionContext): (RuleHit & { readonly direction: Direction })[];
}

/** One analysed connection as capture rules see it, with the findings the other rules made. */
export interface AnalysedStream {
  readonly connection: TcpConnection;
  readonly http: HttpConversation;
  readonly findings: readonly Finding[];
}

/** For rules that relate connections to each other (a proxy's 502 and the upstream that caused it). */
export interface CaptureContext {
  readonly streams: readonly AnalysedStream[];
}

export interface CaptureRule extends RuleInfo {
  readonly scope: 'capture';
  check(context: CaptureContext): (RuleHit & { readonly stream: number; readonly direction: Direction })[];
  /**
   * The streams `check` can need, judged from the conversation table's rows alone (protocol;
   * each exchange's method, target and status): a superset of every stream that can take part
   * in a hit. Large captures read back from the file, and give `check`, only these. Absent:
   * every stream.
   */
  candidateStreams?(rows: readonly ConversationSummary[]): Iterable<number>;
}

export type Rule = MessageRule | ConnectionRule | CaptureRule;

/** The bytes of a line without its terminator. */
export function lineRange(line: Line): { offset: number; length: number } {
  return { offset: line.offset, length: line.length };
}

/** The bytes of a field's line(s), terminator excluded: what a finding on a header covers. */
export function fieldRange(field: HeaderField): { offset: number; length: number } {
  const lastLine = field.continuations[field.continuations.length - 1] ?? field.line;
  return { offset: field.line.offset, length: lastLine.offset + lastLine.length - field.line.offset };
}

/** How a field line reads in a message (`Transfer-Encoding: Chunked`), wire bytes escaped. */
export function describeField(field: HeaderField): string {
  return escapeLatin1(`${field.rawName}: ${field.value}`);
}
