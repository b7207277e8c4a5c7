/** Document symbols of a stream document (Outline view, breadcrumbs, Go to Symbol): its outline as LSP shapes. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { OutlineKind, OutlineNode } from '../document/streamOutline';

const KIND: Record<OutlineKind, SymbolKind> = {
  exchange: SymbolKind.Event,
  request: SymbolKind.Method,
  response: SymbolKind.Constructor,
  headers: SymbolKind.Field,
  trailers: SymbolKind.Field,
  body: SymbolKind.String,
  frame: SymbolKind.Key,
  payload: SymbolKind.Namespace,
};

export function documentSymbols(text: string, outline: readonly OutlineNode[]): DocumentSymbol[] {
  const lines = text.split('\n');
  const toSymbol = (node: OutlineNode): DocumentSymbol => {
    const range = { start: { line: node.startLine, character: 0 }, end: { line: node.endLine, character: lines[node.endLine]?.length ?? 0 } };
    return {
      name: node.name,
      ...(node.detail ? { detail: node.detail } : {}),
      kind: KIND[node.kind],
      range,
      // The node's first line (its heading): where Go to Symbol puts the cursor.
      selectionRange: { start: range.start, end: { line: node.startLine, character: lines[node.startLine]?.length ?? 0 } },
      children: node.children.map(toSymbol),
    };
  };
  return outline.map(toSymbol);
}
