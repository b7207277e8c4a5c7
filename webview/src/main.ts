/**
 * The capture editor's page. It owns the webview state, renders what the extension sends and
 * asks for conversation rows page by page (sorted and filtered by the server); it computes
 * nothing about the capture itself.
 */
import type { CaptureSummary, ConversationQuery, Finding, LiveCaptureStatus, LiveFinding, RuleInfo } from '../../protocol/model';
import type { FromWebviewMessage, ToWebviewMessage } from '../../protocol/webviewProtocol';
import { ConversationTable } from './conversationTable';
import { FilterBar } from './filterBar';
import { renderFindingsPanel } from './findingsPanel';
import { element, formatBytes, formatDuration } from './dom';
import { registerToolkit, Tag } from './toolkit';
import { StreamViewPane } from './streamView';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// Boot milestones (performance.mark, read in DevTools and by the capture-editor test):
// wirelens:script, wirelens:ready, wirelens:loading, wirelens:first-rows.
performance.mark('wirelens:script');
const vscode = acquireVsCodeApi();

registerToolkit();

const app = document.getElementById('app')!;
const header = element('header', { id: 'summary', 'aria-live': 'polite' });
const status = element('div', { id: 'status', role: 'status' });
const errorBox = element('div', { id: 'error', role: 'alert', hidden: '' });
const liveBanner = element('div', { id: 'live', role: 'status', 'aria-live': 'polite', hidden: '' });
const liveFindings = element('ol', { id: 'live-findings', 'aria-label': 'Findings as they appeared', hidden: '' });
const hint = element(
  'p',
  { class: 'hint' },
  'Click a column to sort; right-click a row to follow its streams. Keys: ↑↓ move, Enter follows HTTP (Shift+Enter TCP), Space expands the exchanges, V views the stream here, Shift+F10 opens the menu.',
);
const tableHost = element('main', { id: 'table-host' });
const findingsHost = element('div', { id: 'findings-host' });
const filterBar = new FilterBar({
  text: (text) => setQuery({ text: text.trim() || undefined }),
  displayFilter: (expression) => post({ type: 'applyDisplayFilter', requestId: nextRequestId++, expression }),
});
app.append(header, liveBanner, status, errorBox, liveFindings, findingsHost, hint, filterBar.element, tableHost);
const streamView = new StreamViewPane(post);
app.append(streamView.element);
streamView.listenOn(tableHost);

let table: ConversationTable | undefined;
/** The query the table starts with when it is made (a default display filter can come first). */
let startQuery: ConversationQuery = {};
let nextRequestId = 1;
/** Requests whose answer (same requestId) is awaited. */
const waiting = new Map<number, (message: ToWebviewMessage) => void>();
let loadingFile = '';
let scanFindings: Finding[] = [];
let rules: readonly RuleInfo[] = [];
let scanning = false;
/** The row count is final for this load (the server's index pass has ended). */
let rowsFinal = false;
/** Findings groups the user opened: a panel rendered again keeps them open. */
const openRules = new Set<string>();

function post(message: FromWebviewMessage): void {
  vscode.postMessage(message);
}

/** Posts a request and resolves with the extension's answer to it. */
function ask(build: (requestId: number) => FromWebviewMessage): Promise<ToWebviewMessage> {
  const requestId = nextRequestId++;
  return new Promise((resolve) => {
    waiting.set(requestId, resolve);
    post(build(requestId));
  });
}

function setQuery(change: Partial<ConversationQuery>): void {
  if (table) table.setQuery({ ...table.currentQuery(), ...change });
  else startQuery = { ...startQuery, ...change };
}

/** At most one call per `delayMs`, the last one always made. */
function throttled(delayMs: number, run: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      run();
    }, delayMs);
  };
}

function ensureTable(file: string): ConversationTable {
  if (table) return table;
  table = new ConversationTable(file, {
    page: async (start, count, query) => {
      const answer = await ask((requestId) => ({ type: 'requestConversations', requestId, start, count, query }));
      if (answer.type !== 'conversations') throw new Error(`unexpected answer ${answer.type}`);
      return answer.result;
    },
    exchanges: async (stream) => {
      const answer = await ask((requestId) => ({ type: 'requestExchanges', requestId, stream }));
      if (answer.type !== 'exchanges') throw new Error(`unexpected answer ${answer.type}`);
      return answer.exchanges;
    },
    follow: (stream, mode) => post({ type: 'follow', stream, mode }),
    select: (stream) => post({ type: 'selection', ...(stream === undefined ? {} : { stream }) }),
  });
  table.onCount = (shown, unfiltered) => filterBar.showCount(shown, unfiltered);
  tableHost.replaceChildren(table.element);
  table.setQuery(startQuery);
  return table;
}

function showFindings(findings: readonly Finding[]): void {
  findingsHost.replaceChildren(
    renderFindingsPanel(findings, rules, (finding) => post({ type: 'revealFinding', finding }), openRules, scanning),
  );
}
const showScanFindings = throttled(500, () => showFindings(scanFindings));
/** Finding counts of the rows in view change as the scan goes. */
const refreshRows = throttled(1000, () => table?.refresh());

function showLoading(file: string, packets = 0, fraction = 0): void {
  loadingFile = file;
  status.replaceChildren(
    element(Tag.progressRing, { 'aria-label': 'Reading capture' }),
    element('span', {}, packets > 0 ? `Reading ${file.split('/').pop()}: ${packets} TCP packets (${Math.round(fraction * 100)}%)` : `Reading ${file.split('/').pop()}…`),
  );
  const cancel = element(Tag.button, { appearance: 'secondary', id: 'cancel-load', 'aria-label': 'Cancel reading the capture' }, 'Cancel');
  cancel.addEventListener('click', () => post({ type: 'cancelLoad' }));
  status.append(cancel);
  status.hidden = false;
}

/** Most recent first; older ones are in the Problems panel. */
const MAX_LIVE_FINDINGS = 20;
let currentSummary: CaptureSummary | undefined;

/** `2025-11-25 21:04:00.123 UTC`: capture times are the capture's, shown in UTC. */
function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

function timeSpan(summary: CaptureSummary): string {
  if (summary.firstTime === undefined || summary.lastTime === undefined) return '—';
  return `${formatTime(summary.firstTime)} → ${formatDuration(Math.max(0, summary.lastTime - summary.firstTime))}`;
}

function showFacts(summary: CaptureSummary): void {
  currentSummary = summary;
  const facts: [string, string][] = [
    ['File', summary.file.split('/').pop() ?? summary.file],
    ['Size', formatBytes(summary.sizeBytes)],
    ['TCP packets', summary.packets.toLocaleString('en-US')],
    ['Conversations', summary.conversations.toLocaleString('en-US')],
    ['Findings', summary.findings.toLocaleString('en-US')],
    ['Time span', timeSpan(summary)],
    ['Link type', summary.linkType ?? '—'],
    ['tshark', summary.tsharkVersion],
  ];
  header.replaceChildren(...facts.map(([label, value]) => {
    const fact = element('span', { class: label === 'Findings' && summary.findings > 0 ? 'fact alert' : 'fact', 'data-fact': label });
    fact.append(element('span', { class: 'label' }, `${label} `), element('strong', {}, value));
    return fact;
  }));
  for (const warning of summary.warnings) header.append(element('span', { class: 'fact warning' }, warning));
}

function showSummary(summary: CaptureSummary): void {
  showFacts(summary);
  status.hidden = true;
  status.replaceChildren();
  scanning = false;
  // The scan is over: rows now carry their exchanges, protocol and findings.
  ensureTable(summary.file).refresh();
}

function button(label: string, id: string, onClick: () => void): HTMLElement {
  const control = element(Tag.button, { appearance: 'secondary', id, 'aria-label': label }, label);
  control.addEventListener('click', onClick);
  return control;
}

/** The live banner: what is captured and how far it got, with Stop (running) or Save As… (stopped). */
function showLive(live: LiveCaptureStatus): void {
  const counts = `${live.packets.toLocaleString('en-US')} TCP packets · ${live.conversations} conversations · ${live.findings} findings · ${formatBytes(live.bytes)}`;
  const dropped = live.statistics ? ` · ${live.statistics.received.toLocaleString('en-US')} received, ${live.statistics.dropped.toLocaleString('en-US')} dropped` : '';
  const parts: (HTMLElement | string)[] = [];
  switch (live.state) {
    case 'capturing':
      parts.push(element('span', { class: 'live-dot', 'aria-hidden': 'true' }, '●'), `Capturing on ${live.label} · ${live.elapsedSeconds.toFixed(0)} s · ${counts}`);
      parts.push(button('Stop', 'stop-capture', () => post({ type: 'stopCapture' })));
      break;
    case 'stopping':
      parts.push(`Stopping the capture on ${live.label}… · ${counts}`);
      break;
    case 'stopped':
      parts.push(`Capture on ${live.label} stopped after ${live.elapsedSeconds.toFixed(1)} s${dropped}. This is a temporary file: Save As… keeps it.`);
      parts.push(button('Save As…', 'save-capture', () => post({ type: 'saveCaptureAs' })));
      break;
    case 'failed':
      parts.push(`The capture on ${live.label} failed.`);
      break;
  }
  liveBanner.replaceChildren(...parts.map((part) => (typeof part === 'string' ? element('span', {}, part) : part)));
  if (live.message) liveBanner.append(element('span', { class: 'live-message' }, live.message));
  liveBanner.className = live.state;
  liveBanner.hidden = false;
  if (live.state === 'capturing' && currentSummary) {
    showFacts({ ...currentSummary, packets: live.packets, conversations: live.conversations, findings: live.findings, sizeBytes: live.bytes });
  }
  addLiveFindings(live.newFindings);
  if (table && live.changed.length > 0) {
    // The server has the new rows: the table grows and fetches the pages in view again.
    table.grow(live.conversations);
    table.refresh();
  }
}

function addLiveFindings(findings: readonly LiveFinding[]): void {
  for (const { finding } of findings) {
    const item = element('li', { tabindex: '0', title: 'Enter or double-click: Follow HTTP Stream' });
    item.append(
      element('span', { class: `severity ${finding.severity}` }, finding.severity),
      element('span', {}, ` stream ${finding.stream} · frame ${finding.frame} · ${finding.ruleId}: `),
      element('span', {}, finding.message),
    );
    const follow = () => post({ type: 'follow', stream: finding.stream, mode: 'http' });
    item.addEventListener('dblclick', follow);
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') follow();
    });
    liveFindings.prepend(item);
  }
  while (liveFindings.children.length > MAX_LIVE_FINDINGS) liveFindings.lastElementChild?.remove();
  liveFindings.hidden = liveFindings.children.length === 0;
}

function showError(message: string): void {
  status.hidden = true;
  errorBox.hidden = false;
  errorBox.textContent = message;
}

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'loading':
      performance.mark('wirelens:loading');
      errorBox.hidden = true;
      scanning = true;
      rowsFinal = false;
      scanFindings = [];
      header.replaceChildren(element('span', { class: 'fact' }, message.file.split('/').pop() ?? message.file));
      if (message.displayFilter?.trim()) {
        filterBar.setDisplayFilter(message.displayFilter);
        post({ type: 'applyDisplayFilter', requestId: nextRequestId++, expression: message.displayFilter.trim() });
      }
      return showLoading(message.file);
    case 'progress':
      return showLoading(loadingFile, message.packets, message.fraction);
    case 'loaded':
      return showSummary(message.summary);
    case 'conversations':
    case 'exchanges': {
      const resolve = waiting.get(message.requestId);
      waiting.delete(message.requestId);
      resolve?.(message);
      return;
    }
    case 'scanUpdate':
      if (message.conversations > 0) ensureTable(loadingFile).grow(message.conversations);
      // Rows listed while the index pass ran showed counts that were still growing.
      if (message.rowsFinal && !rowsFinal) table?.refresh();
      rowsFinal = message.rowsFinal;
      if (message.findings.length > 0) {
        scanFindings.push(...message.findings);
        showScanFindings();
        refreshRows();
      }
      return;
    case 'displayFilterResult':
      if (filterBar.displayFilterResult(message.expression, message)) setQuery({ displayFilter: message.expression || undefined });
      return;
    case 'live':
      return showLive(message.status);
    case 'findings':
      rules = message.rules;
      scanning = false;
      scanFindings = [...message.findings];
      return showFindings(message.findings);
    case 'streamView':
      return streamView.receive(message);
    case 'openStreamView':
      return streamView.open(message.stream);
    case 'error':
      return showError(message.message);
  }
});

performance.mark('wirelens:ready');
post({ type: 'ready' });
