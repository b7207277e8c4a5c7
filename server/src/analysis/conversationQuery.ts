/**
 * The conversation table's sort and filters, done by the server so they hold over every row while
 * the webview only ever receives one page. `orderConversations` returns row positions in table
 * order; pages are slices of it.
 */
import type { ConversationColumn, ConversationQuery, ConversationSummary, Endpoint, ExchangeSummary } from '../../../protocol/model';

export function endpointText(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function exchangeWords(exchange: ExchangeSummary): string {
  return [exchange.method, exchange.target, exchange.status, exchange.reason].filter((word) => word !== undefined).join(' ');
}

/** What the text filter looks in: endpoints, protocol, TLS server name, methods, targets, statuses, finding rule ids. */
export function searchableText(row: ConversationSummary, ruleIds: readonly string[] = []): string {
  return [
    endpointText(row.client),
    endpointText(row.server),
    row.protocol,
    row.tls?.serverName ?? '',
    ...row.exchanges.map(exchangeWords),
    ...ruleIds,
  ]
    .join(' ')
    .toLowerCase();
}

/** Every whitespace-separated word of `text` must occur (case-insensitive); an empty text keeps every row. */
export function textMatcher(text: string | undefined): ((haystack: string) => boolean) | undefined {
  const words = (text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  return (haystack) => words.every((word) => haystack.includes(word));
}

/**
 * Addresses sort by their numbers (10.0.0.9 before 10.0.0.10), then ports: each address becomes
 * a fixed-width key (IPv4 before IPv6, each group zero-padded).
 */
function endpointKey(e: Endpoint): string {
  const port = String(e.port).padStart(5, '0');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(e.address)) return `4${e.address.split('.').map((part) => part.padStart(3, '0')).join('.')}:${port}`;
  return `6${e.address.toLowerCase()}:${port}`;
}

/** The HTTP column's order: first exchange's method, target and status; rows without one by protocol. */
function httpKey(row: ConversationSummary): string {
  const first = row.exchanges[0];
  return first ? `1${first.method ?? ''} ${first.target ?? ''} ${first.status ?? ''}` : `0${row.protocol}`;
}

type SortKey = string | number;

const SORT_KEYS: Record<ConversationColumn, (row: ConversationSummary) => SortKey> = {
  stream: (row) => row.stream,
  client: (row) => endpointKey(row.client),
  server: (row) => endpointKey(row.server),
  packets: (row) => row.packets,
  bytes: (row) => row.bytes,
  duration: (row) => row.durationSeconds,
  http: httpKey,
  findings: (row) => row.findingCount,
};

export interface QueryContext {
  /** Finding rule ids by stream, for the text filter. */
  readonly ruleIds?: (stream: number) => readonly string[];
  /** Streams a display filter kept; undefined when there is none. */
  readonly displayFilterStreams?: ReadonlySet<number>;
}

/**
 * Positions (into `rows`) of the rows the query keeps, in table order. Equal keys keep stream
 * order, so a sort is stable and pages never swap rows between requests.
 */
export function orderConversations(rows: readonly ConversationSummary[], query: ConversationQuery = {}, context: QueryContext = {}): number[] {
  const matches = textMatcher(query.text);
  const kept: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (context.displayFilterStreams && !context.displayFilterStreams.has(row.stream)) continue;
    if (matches && !matches(searchableText(row, context.ruleIds?.(row.stream)))) continue;
    kept.push(i);
  }
  const sort = query.sort;
  if (!sort) return kept;
  const keyOf = SORT_KEYS[sort.column];
  const keys: SortKey[] = new Array(rows.length);
  for (const i of kept) keys[i] = keyOf(rows[i]);
  const direction = sort.descending ? -1 : 1;
  return kept.sort((a, b) => {
    const ka = keys[a];
    const kb = keys[b];
    if (ka !== kb) return (ka < kb ? -1 : 1) * direction;
    return rows[a].stream - rows[b].stream;
  });
}
