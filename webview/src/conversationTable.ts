/**
 * The TCP conversation table, virtualised: only the rows in view (plus a few) are in the DOM, each
 * row is ROW_HEIGHT pixels, and a body of the full height gives the scroll bar its size. Rows come
 * from the server a page at a time, sorted and filtered there (the query travels with each page
 * request), so 100k conversations never cross into the page at once. An expanded conversation
 * shows its HTTP exchanges as rows of their own under it.
 *
 * ARIA: a grid whose focus stays on the grid element and moves with aria-activedescendant, so a
 * row scrolled out of the DOM never takes the focus with it. Keys: arrows, Page Up/Down, Home/End;
 * Enter follows the HTTP stream (Shift+Enter TCP); Space or → expands, ← collapses; Shift+F10 or
 * the context-menu key opens the row's context menu.
 */
import type { ConversationsResult } from '../../protocol/lspProtocol';
import type { ConversationColumn, ConversationQuery, ConversationSummary, Endpoint, ExchangeDetail, ExchangeSummary, FollowMode } from '../../protocol/model';
import type { ConversationMenuContext } from '../../protocol/webviewProtocol';
import { element, formatBytes, formatDuration } from './dom';

export const ROW_HEIGHT = 24;
const PAGE_SIZE = 200;
/** Rows rendered above and below the visible ones, so a small scroll shows rows already there. */
const OVERSCAN = 10;
/** Pages kept; older ones are fetched again when scrolled back to. */
const MAX_PAGES = 60;

const COLUMNS: readonly { readonly id: ConversationColumn; readonly title: string }[] = [
  { id: 'stream', title: 'Stream' },
  { id: 'client', title: 'Client' },
  { id: 'server', title: 'Server' },
  { id: 'packets', title: 'Packets' },
  { id: 'bytes', title: 'Bytes' },
  { id: 'duration', title: 'Duration' },
  { id: 'http', title: 'HTTP' },
  { id: 'findings', title: 'Findings' },
];

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

function conversationCells(row: ConversationSummary): string[] {
  return [
    String(row.stream),
    endpoint(row.client),
    endpoint(row.server),
    String(row.packets),
    formatBytes(row.bytes),
    formatDuration(row.durationSeconds),
    httpSummary(row),
    row.findingCount > 0 ? `⚠ ${row.findingCount}` : '0',
  ];
}

function exchangeCells(exchange: ExchangeDetail): string[] {
  const request = exchange.method ? `${exchange.method} ${exchange.target ?? ''}` : '(no request)';
  const status = exchange.status !== undefined ? `${exchange.status} ${exchange.reason ?? ''}`.trim() : exchange.cutBy ?? '(no response)';
  const grpc = exchange.grpcStatus !== undefined ? ` · grpc-status ${exchange.grpcStatus}` : '';
  const size = (bytes: number | undefined) => (bytes === undefined ? '—' : formatBytes(bytes));
  return [
    `#${exchange.index + 1}${exchange.http2Stream !== undefined ? ` (h2 ${exchange.http2Stream})` : ''}`,
    request,
    status + grpc,
    `↑ ${size(exchange.requestBytes)}`,
    `↓ ${size(exchange.responseBytes)}`,
    exchange.durationSeconds === undefined ? '—' : formatDuration(exchange.durationSeconds),
  ];
}
const EXCHANGE_LABELS = ['Exchange', 'Request', 'Status', 'Request size', 'Response size', 'Time from request to response'];

export interface TableServer {
  /** A page of rows for `query`. */
  page(start: number, count: number, query: ConversationQuery): Promise<ConversationsResult>;
  exchanges(stream: number): Promise<readonly ExchangeDetail[]>;
  follow(stream: number, mode: FollowMode): void;
  /** The selected row's conversation changed (undefined: none): the editor-title Follow action follows it. */
  select(stream: number | undefined): void;
}

/** What a display position holds: a conversation (by its position in the query's order) or one of its exchanges. */
type Item =
  | { readonly kind: 'conversation'; readonly position: number }
  | { readonly kind: 'exchange'; readonly position: number; readonly stream: number; readonly index: number }
  | { readonly kind: 'exchange-note'; readonly position: number; readonly stream: number; readonly text: string };

interface Expansion {
  readonly stream: number;
  /** Undefined while loading. */
  exchanges?: readonly ExchangeDetail[];
  error?: string;
}

interface Page {
  readonly rows: readonly ConversationSummary[];
  /** The data version it was fetched at: older pages are shown but fetched again. */
  readonly version: number;
}

export class ConversationTable {
  readonly element: HTMLElement;
  /** Tells how many rows the query keeps (for the filter bar). */
  onCount?: (shown: number, unfiltered: number) => void;

  private readonly viewport: HTMLElement;
  private readonly body: HTMLElement;
  private readonly headerCells = new Map<ConversationColumn, HTMLElement>();
  private query: ConversationQuery = {};
  private total = 0;
  private unfiltered = 0;
  /** Bumped by a new query: answers to older ones are dropped. */
  private generation = 0;
  /** Bumped by refresh(): pages fetched before are shown until fetched again. */
  private version = 0;
  private readonly pages = new Map<number, Page>();
  private readonly pending = new Set<number>();
  /** Expanded conversations by query position. */
  private readonly expanded = new Map<number, Expansion>();
  private readonly rendered = new Map<string, HTMLElement>();
  private active = 0;
  /** The conversation last reported as selected. */
  private selectedStream?: number;
  private renderQueued = false;
  /** Set once rows with data are on screen (the wirelens:first-rows mark). */
  private firstRowsShown = false;

  constructor(
    private readonly capture: string,
    private readonly server: TableServer,
  ) {
    this.element = element('div', {
      id: 'conversations',
      role: 'grid',
      tabindex: '0',
      'aria-label': 'TCP conversations. Arrow keys move, Enter follows the HTTP stream, Shift+Enter the TCP stream, Space expands the exchanges, Shift+F10 opens the context menu.',
      'aria-rowcount': '1',
      'aria-colcount': String(COLUMNS.length),
    });
    const header = element('div', { class: 'grid-row grid-header', role: 'row', 'aria-rowindex': '1' });
    COLUMNS.forEach((column, index) => {
      const cell = element('div', { class: 'grid-cell', role: 'columnheader', 'aria-colindex': String(index + 1), 'aria-sort': 'none', 'data-column': column.id });
      const button = element('button', { type: 'button', class: 'sort', 'aria-label': `Sort by ${column.title}` }, column.title);
      button.addEventListener('click', () => this.sortBy(column.id));
      cell.append(button);
      this.headerCells.set(column.id, cell);
      header.append(cell);
    });
    this.body = element('div', { class: 'grid-body', role: 'rowgroup' });
    // Not a tab stop of its own (Chromium makes scrollers focusable): the grid takes the keys.
    this.viewport = element('div', { class: 'grid-viewport', tabindex: '-1' });
    this.viewport.append(header, this.body);
    this.element.append(this.viewport);
    this.viewport.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    new ResizeObserver(() => this.scheduleRender()).observe(this.viewport);
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.body.addEventListener('click', (event) => this.onClick(event));
    this.body.addEventListener('dblclick', (event) => {
      const stream = this.streamAt(event.target);
      if (stream !== undefined) this.server.follow(stream, 'http');
    });
    this.body.addEventListener('contextmenu', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
      if (row) this.setActive(Number(row.dataset.index), false);
    });
  }

  currentQuery(): ConversationQuery {
    return this.query;
  }

  /** A new sort or filter: rows are fetched again from the first page, expansions close. */
  setQuery(query: ConversationQuery): void {
    this.query = query;
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.expanded.clear();
    this.active = 0;
    this.viewport.scrollTop = 0;
    for (const [column, cell] of this.headerCells) {
      const sorted = query.sort?.column === column;
      cell.setAttribute('aria-sort', sorted ? (query.sort!.descending ? 'descending' : 'ascending') : 'none');
    }
    this.fetch(0);
  }

  /** The rows changed on the server (scan progress, end of scan, live capture): visible pages are fetched again. */
  refresh(): void {
    this.version++;
    this.pending.clear();
    this.scheduleRender();
    if (this.total === 0) this.fetch(0);
  }

  /** More rows exist than the last answer said (the scan found them): the body grows at once. */
  grow(total: number): void {
    if (this.isFiltered() || total <= this.total) return;
    this.total = total;
    this.unfiltered = Math.max(this.unfiltered, total);
    this.onCount?.(this.total, this.unfiltered);
    this.refresh();
  }

  private isFiltered(): boolean {
    return Boolean(this.query.text?.trim() || this.query.displayFilter?.trim());
  }

  private sortBy(column: ConversationColumn): void {
    const current = this.query.sort;
    const descending = current?.column === column ? !current.descending : false;
    this.setQuery({ ...this.query, sort: { column, descending } });
  }

  //#region data
  private fetch(page: number): void {
    if (this.pending.has(page)) return;
    this.pending.add(page);
    const generation = this.generation;
    const version = this.version;
    this.server.page(page * PAGE_SIZE, PAGE_SIZE, this.query).then(
      (result) => {
        if (generation !== this.generation) return;
        this.pending.delete(page);
        this.pages.set(page, { rows: result.rows, version });
        // A refreshed page can order rows anew (a sort by findings while the scan counts them):
        // an expansion stays only under the conversation it was opened for.
        for (const [position, expansion] of this.expanded) {
          const row = result.rows[position - page * PAGE_SIZE];
          if (row && row.stream !== expansion.stream) this.expanded.delete(position);
        }
        while (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value as number);
        if (result.total !== this.total || (result.unfiltered ?? result.total) !== this.unfiltered) {
          this.total = result.total;
          this.unfiltered = result.unfiltered ?? result.total;
          if (this.active >= this.itemCount()) this.active = Math.max(0, this.itemCount() - 1);
          this.onCount?.(this.total, this.unfiltered);
        }
        this.scheduleRender();
      },
      () => {
        if (generation === this.generation) this.pending.delete(page);
      },
    );
  }

  private rowAt(position: number): ConversationSummary | undefined {
    const page = Math.floor(position / PAGE_SIZE);
    const cached = this.pages.get(page);
    if (!cached || cached.version < this.version) this.fetch(page);
    return cached?.rows[position - page * PAGE_SIZE];
  }

  private extraRows(expansion: Expansion): number {
    return expansion.exchanges?.length || 1;
  }

  private itemCount(): number {
    let count = this.total;
    for (const expansion of this.expanded.values()) count += this.extraRows(expansion);
    return count;
  }

  /** The item at display index `index` (expansions are few: a walk over them is cheap). */
  private itemAt(index: number): Item {
    let offset = 0;
    for (const [position, expansion] of [...this.expanded].sort((a, b) => a[0] - b[0])) {
      const conversationIndex = position + offset;
      if (index <= conversationIndex) break;
      const extra = this.extraRows(expansion);
      if (index <= conversationIndex + extra) {
        const k = index - conversationIndex - 1;
        if (expansion.exchanges?.length) return { kind: 'exchange', position, stream: expansion.stream, index: k };
        const text = expansion.error ?? (expansion.exchanges ? 'No HTTP exchanges on this connection.' : 'Reading the exchanges…');
        return { kind: 'exchange-note', position, stream: expansion.stream, text };
      }
      offset += extra;
    }
    return { kind: 'conversation', position: index - offset };
  }

  private indexOfConversation(position: number): number {
    let index = position;
    for (const [expanded, expansion] of this.expanded) if (expanded < position) index += this.extraRows(expansion);
    return index;
  }
  //#endregion

  //#region rendering
  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const count = this.itemCount();
    this.body.style.height = `${count * ROW_HEIGHT}px`;
    this.element.setAttribute('aria-rowcount', String(count + 1));
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || ROW_HEIGHT * 20;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(count - 1, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const keep = new Set<string>();
    const inOrder: HTMLElement[] = [];
    let added = false;
    for (let index = first; index <= last; index++) {
      const item = this.itemAt(index);
      const key = item.kind === 'conversation' ? `c${item.position}` : `e${item.stream}-${item.kind === 'exchange' ? item.index : 'note'}`;
      keep.add(key);
      let line = this.rendered.get(key);
      if (!line) {
        line = element('div', { role: 'row', id: `row-${key}` });
        this.rendered.set(key, line);
        added = true;
      }
      this.fill(line, item, index);
      inOrder.push(line);
    }
    for (const [key, line] of this.rendered) {
      if (keep.has(key)) continue;
      line.remove();
      this.rendered.delete(key);
    }
    // DOM order follows row order, so assistive technology reads rows as they are shown; a
    // scroll adds rows at one end, so only those move.
    if (added) inOrder.forEach((line, i) => this.body.children[i] !== line && this.body.insertBefore(line, this.body.children[i] ?? null));
    this.markActive();
    if (!this.firstRowsShown && inOrder.some((line) => line.dataset.stream !== undefined)) {
      this.firstRowsShown = true;
      performance.mark('wirelens:first-rows');
    }
  }

  private fill(line: HTMLElement, item: Item, index: number): void {
    // Placed only when its place changes (the browser reads large offsets back as 2.4e+06px).
    if (line.dataset.index !== String(index)) {
      line.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      line.dataset.index = String(index);
      line.setAttribute('aria-rowindex', String(index + 2));
    }
    if (item.kind === 'conversation') {
      const row = this.rowAt(item.position);
      const expanded = this.expanded.has(item.position);
      line.className = `grid-row conversation${row && row.findingCount > 0 ? ' has-findings' : ''}${row ? '' : ' placeholder'}`;
      line.setAttribute('aria-expanded', String(expanded));
      if (!row) {
        this.setCells(line, COLUMNS.map((_, i) => (i === 0 ? '…' : '')), COLUMNS.map((c) => c.title));
        line.removeAttribute('data-stream');
        line.removeAttribute('data-vscode-context');
        return;
      }
      line.dataset.stream = String(row.stream);
      line.title = row.exchanges.map(exchangeText).join('\n');
      this.setContext(line, row.stream);
      this.setCells(line, conversationCells(row), COLUMNS.map((c) => c.title), expanded ? '▾' : '▸');
      return;
    }
    line.dataset.stream = String(item.stream);
    line.removeAttribute('aria-expanded');
    if (item.kind === 'exchange-note') {
      line.className = 'grid-row exchange note';
      line.removeAttribute('title');
      this.setContext(line, item.stream);
      this.setCells(line, ['', item.text], ['', 'Exchanges']);
      return;
    }
    const exchange = this.expanded.get(item.position)!.exchanges![item.index];
    line.className = 'grid-row exchange';
    line.dataset.exchange = String(item.index);
    line.title = exchangeText(exchange);
    this.setContext(line, item.stream, item.index);
    this.setCells(line, exchangeCells(exchange), EXCHANGE_LABELS);
  }

  private setContext(line: HTMLElement, stream: number, exchange?: number): void {
    const context: ConversationMenuContext = {
      webviewSection: 'conversation',
      capture: this.capture,
      stream,
      ...(exchange !== undefined ? { exchange } : {}),
      preventDefaultContextMenuItems: true,
    };
    const text = JSON.stringify(context);
    if (line.getAttribute('data-vscode-context') !== text) line.setAttribute('data-vscode-context', text);
    if (exchange === undefined) delete line.dataset.exchange;
  }

  /** Cells by text (textContent only: the values are packet bytes); rebuilt only when the shape changes. */
  private setCells(line: HTMLElement, texts: readonly string[], labels: readonly string[], toggle?: string): void {
    if (line.childElementCount !== texts.length) {
      line.replaceChildren(...texts.map((_, i) => element('div', { class: 'grid-cell', role: 'gridcell', 'aria-colindex': String(i + 1) })));
    }
    texts.forEach((text, i) => {
      const cell = line.children[i] as HTMLElement;
      const shown = i === 0 && toggle ? `${toggle} ${text}` : text;
      if (cell.textContent !== shown) cell.textContent = shown;
      if (labels[i] && cell.title !== `${labels[i]}: ${text}`) cell.title = `${labels[i]}: ${text}`;
    });
  }

  private markActive(): void {
    const count = this.itemCount();
    if (count === 0) {
      this.element.removeAttribute('aria-activedescendant');
      return;
    }
    this.active = Math.min(this.active, count - 1);
    let activeId: string | undefined;
    for (const line of this.rendered.values()) {
      const isActive = Number(line.dataset.index) === this.active;
      line.classList.toggle('active', isActive);
      line.setAttribute('aria-selected', String(isActive));
      if (isActive) activeId = line.id;
    }
    if (activeId) this.element.setAttribute('aria-activedescendant', activeId);
  }
  //#endregion

  //#region interaction
  private setActive(index: number, scroll = true): void {
    const count = this.itemCount();
    if (count === 0) return;
    this.active = Math.max(0, Math.min(count - 1, index));
    this.reportSelection();
    if (scroll) {
      const top = this.active * ROW_HEIGHT;
      const headerHeight = ROW_HEIGHT;
      const visible = this.viewport.clientHeight - headerHeight;
      if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
      else if (top + ROW_HEIGHT > this.viewport.scrollTop + visible) this.viewport.scrollTop = top + ROW_HEIGHT - visible;
    }
    this.render();
  }

  private reportSelection(): void {
    const item = this.itemAt(this.active);
    const stream = item.kind === 'conversation' ? this.rowAt(item.position)?.stream : item.stream;
    if (stream === this.selectedStream) return;
    this.selectedStream = stream;
    this.server.select(stream);
  }

  private streamAt(target: EventTarget | null): number | undefined {
    const row = (target as HTMLElement | null)?.closest<HTMLElement>('[data-stream]');
    return row ? Number(row.dataset.stream) : undefined;
  }

  private onClick(event: MouseEvent): void {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (!row) return;
    const index = Number(row.dataset.index);
    this.setActive(index, false);
    const toggle = (event.target as HTMLElement).closest('.grid-cell') === row.firstElementChild;
    if (toggle && row.classList.contains('conversation')) this.toggle(index);
    this.element.focus({ preventScroll: true });
  }

  /** Expands or collapses the conversation at display index `index`. */
  private toggle(index: number, open?: boolean): void {
    const item = this.itemAt(index);
    if (item.kind !== 'conversation') return;
    const row = this.rowAt(item.position);
    if (!row) return;
    const isOpen = this.expanded.has(item.position);
    if (open === isOpen) return;
    if (isOpen) {
      this.expanded.delete(item.position);
      this.render();
      return;
    }
    const expansion: Expansion = { stream: row.stream };
    this.expanded.set(item.position, expansion);
    const generation = this.generation;
    this.server.exchanges(row.stream).then(
      (exchanges) => {
        if (generation !== this.generation) return;
        expansion.exchanges = exchanges;
        this.render();
      },
      (error: unknown) => {
        expansion.error = `The exchanges could not be read: ${error instanceof Error ? error.message : String(error)}`;
        this.render();
      },
    );
    this.render();
  }

  /** VS Code opens a webview's context menu on a `contextmenu` event; the keyboard makes one at the active row. */
  private openContextMenu(): void {
    const line = [...this.rendered.values()].find((row) => Number(row.dataset.index) === this.active);
    if (!line) return;
    const box = line.getBoundingClientRect();
    line.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: box.left + 24, clientY: box.top + box.height / 2 }));
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.element) return; // the header's sort buttons keep their own keys
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 2);
    const item = this.itemCount() > 0 ? this.itemAt(this.active) : undefined;
    const stream = item && (item.kind === 'conversation' ? this.rowAt(item.position)?.stream : item.stream);
    const moves: Record<string, number | undefined> = {
      ArrowDown: this.active + 1,
      ArrowUp: this.active - 1,
      PageDown: this.active + page,
      PageUp: this.active - page,
      Home: 0,
      End: this.itemCount() - 1,
    };
    if (event.key in moves) {
      this.setActive(moves[event.key]!);
    } else if (event.key === 'Enter') {
      if (stream !== undefined) this.server.follow(stream, event.shiftKey ? 'tcp' : 'http');
    } else if (event.key === ' ' || event.key === 'ArrowRight') {
      this.toggle(this.active, true);
    } else if (event.key === 'ArrowLeft') {
      if (item && item.kind !== 'conversation') this.setActive(this.indexOfConversation(item.position));
      else this.toggle(this.active, false);
    } else if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
      this.openContextMenu();
    } else {
      return;
    }
    event.preventDefault();
  }
  //#endregion
}
