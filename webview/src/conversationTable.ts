/**
 * The TCP conversation table. It renders rows it is given; each row carries the context
 * object VS Code's webview/context menu passes to the Follow commands.
 */
import type { ConversationSummary, Endpoint, ExchangeSummary } from '../../protocol/model';
import type { ConversationMenuContext } from '../../protocol/webviewProtocol';
import { element, formatBytes, formatDuration } from './dom';
import { Tag } from './toolkit';

const COLUMNS = ['Stream', 'Client', 'Server', 'Packets', 'Bytes', 'Duration', 'HTTP', 'Findings'] as const;
export const GRID_TEMPLATE = '64px minmax(150px, 1fr) minmax(150px, 1fr) 72px 84px 84px minmax(220px, 2fr) 72px';

function endpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function exchangeText(exchange: ExchangeSummary): string {
  const request = exchange.method ? `${exchange.method} ${exchange.target ?? ''}` : '(no request)';
  const response = exchange.status !== undefined ? `${exchange.status}` : '(no response)';
  return `${request} → ${response}`;
}

const NOT_HTTP1: Record<Exclude<ConversationSummary['protocol'], 'http'>, string> = {
  tls: '(TLS: encrypted)',
  http2: '(HTTP/2)',
  tcp: '(not HTTP)',
  empty: '(no payload)',
};

/** The handshake facts a TLS row shows: version, SNI, ALPN, and whether it was decrypted. */
function tlsText(tls: NonNullable<ConversationSummary['tls']>): string {
  const facts = [tls.version ?? 'TLS', tls.serverName, tls.alpn].filter(Boolean).join(' · ');
  const alert = tls.alerts.length ? ` · alert: ${tls.alerts.map((a) => a.description).join(', ')}` : '';
  return tls.decryption === 'no-keys' ? `${facts}${alert} — encrypted: attach a key log` : `${facts}${alert} — `;
}

function httpSummary(row: ConversationSummary): string {
  const tls = row.tls ? tlsText(row.tls) : '';
  if (row.tls?.decryption === 'no-keys') return tls;
  if (row.protocol !== 'http') return tls + NOT_HTTP1[row.protocol];
  const [first, ...rest] = row.exchanges;
  return tls + (first ? exchangeText(first) + (rest.length ? ` (+${rest.length} more)` : '') : '');
}

export type FollowHandler = (stream: number, mode: 'http' | 'tcp') => void;

export class ConversationTable {
  readonly element: HTMLElement;
  private readonly rows = new Map<number, HTMLElement>();

  constructor(private readonly capture: string, private readonly onFollow: FollowHandler) {
    this.element = element(Tag.grid, {
      id: 'conversations',
      'grid-template-columns': GRID_TEMPLATE,
      'aria-label': 'TCP conversations. Enter follows the HTTP stream, Shift+Enter the TCP stream; the context menu has both.',
    });
    const header = element(Tag.row, { 'row-type': 'sticky-header' });
    COLUMNS.forEach((title, index) =>
      header.append(element(Tag.cell, { 'cell-type': 'columnheader', 'grid-column': String(index + 1) }, title)),
    );
    this.element.append(header);
    this.element.addEventListener('keydown', (event) => this.onKey(event as KeyboardEvent));
  }

  /** Rows shown so far. */
  get size(): number {
    return this.rows.size;
  }

  append(rows: readonly ConversationSummary[]): void {
    this.upsert(rows, true);
  }

  /**
   * A live capture's changed rows: rows already shown are updated in place (focus and scrolling
   * stay), new ones are added only when `add` (the table holds every row so far, not one page).
   */
  upsert(rows: readonly ConversationSummary[], add: boolean): void {
    for (const row of rows) {
      const shown = this.rows.get(row.stream);
      if (shown) this.fill(shown, row);
      else if (add) {
        const line = this.renderRow(row);
        this.rows.set(row.stream, line);
        this.element.append(line);
      }
    }
  }

  private renderRow(row: ConversationSummary): HTMLElement {
    const context: ConversationMenuContext = {
      webviewSection: 'conversation',
      capture: this.capture,
      stream: row.stream,
      preventDefaultContextMenuItems: true,
    };
    const line = element(Tag.row, { 'data-vscode-context': JSON.stringify(context), 'data-stream': String(row.stream) });
    COLUMNS.forEach((_, index) => line.append(element(Tag.cell, { 'grid-column': String(index + 1) })));
    this.fill(line, row);
    line.addEventListener('dblclick', () => this.onFollow(row.stream, 'http'));
    return line;
  }

  private fill(line: HTMLElement, row: ConversationSummary): void {
    const findings = row.findingCount > 0 ? `⚠ ${row.findingCount}` : '0';
    line.classList.toggle('has-findings', row.findingCount > 0);
    line.title = row.exchanges.map(exchangeText).join('\n');
    const texts = [
      String(row.stream),
      endpoint(row.client),
      endpoint(row.server),
      String(row.packets),
      formatBytes(row.bytes),
      formatDuration(row.durationSeconds),
      httpSummary(row),
      findings,
    ];
    const cells = line.querySelectorAll(Tag.cell);
    texts.forEach((text, index) => {
      if (cells[index] && cells[index].textContent !== text) cells[index].textContent = text;
    });
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key !== 'Enter') return;
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-stream]');
    if (!row) return;
    event.preventDefault();
    this.onFollow(Number(row.dataset.stream), event.shiftKey ? 'tcp' : 'http');
  }
}
