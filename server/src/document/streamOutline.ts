/**
 * The outline of a stream document, recorded while it is rendered: HTTP exchanges with their
 * messages, header sections and bodies (HTTP/2 streams with their header blocks and DATA),
 * or, in TCP mode, the runs of payload each side sent. lsp/documentSymbols.ts turns it into
 * LSP document symbols (Outline view, breadcrumbs); Copy as curl finds the exchange at a line.
 */
export type OutlineKind = 'exchange' | 'request' | 'response' | 'headers' | 'body' | 'trailers' | 'frame' | 'payload';

export interface OutlineNode {
  readonly kind: OutlineKind;
  /** Escaped text (never raw packet bytes), never empty. */
  readonly name: string;
  readonly detail?: string;
  /** First and last line the node covers (inclusive). */
  readonly startLine: number;
  readonly endLine: number;
  readonly children: readonly OutlineNode[];
  /** Exchanges: the index the table and the exports give it (export/exchanges.ts: HTTP/1.x first, then HTTP/2 streams). */
  readonly exchange?: number;
}

/** Longest name shown in the outline and breadcrumbs; longer targets are cut with an ellipsis. */
const MAX_NAME = 80;

export function outlineName(text: string): string {
  const name = text.length > MAX_NAME ? `${text.slice(0, MAX_NAME - 1)}…` : text;
  return name.trim() || '(empty)';
}

/** The exchange whose lines include `line`. */
export function exchangeAtLine(outline: readonly OutlineNode[], line: number): OutlineNode | undefined {
  return outline.find((node) => node.exchange !== undefined && node.startLine <= line && line <= node.endLine);
}
