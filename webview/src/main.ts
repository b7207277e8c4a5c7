/**
 * The capture editor's page. It owns the webview state, renders what the extension sends and
 * asks for conversation rows page by page; it computes nothing about the capture itself.
 */
import type { CaptureSummary, LiveCaptureStatus, LiveFinding } from '../../protocol/model';
import type { FromWebviewMessage, ToWebviewMessage } from '../../protocol/webviewProtocol';
import { ConversationTable } from './conversationTable';
import { renderFindingsPanel } from './findingsPanel';
import { element, formatBytes } from './dom';
import { registerToolkit, Tag } from './toolkit';
import { StreamViewPane } from './streamView';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const PAGE_SIZE = 500;

registerToolkit();

const app = document.getElementById('app')!;
const header = element('header', { id: 'summary', 'aria-live': 'polite' });
const status = element('div', { id: 'status', role: 'status' });
const errorBox = element('div', { id: 'error', role: 'alert', hidden: '' });
const liveBanner = element('div', { id: 'live', role: 'status', 'aria-live': 'polite', hidden: '' });
const liveFindings = element('ol', { id: 'live-findings', 'aria-label': 'Findings as they appeared', hidden: '' });
const hint = element('p', { class: 'hint' }, 'Right-click a conversation to follow its HTTP or TCP stream (keyboard: Enter, Shift+Enter).');
const tableHost = element('main', { id: 'table-host' });
const findingsHost = element('div', { id: 'findings-host' });
app.append(header, liveBanner, status, errorBox, liveFindings, findingsHost, hint, tableHost);
const streamView = new StreamViewPane(post);
app.append(streamView.element);
streamView.listenOn(tableHost);

let table: ConversationTable | undefined;
let loadedRows = 0;
let totalRows = 0;
let nextRequestId = 1;
let pendingRequest: number | undefined;
let loadingFile = '';

function post(message: FromWebviewMessage): void {
  vscode.postMessage(message);
}

function showLoading(file: string, packets = 0, fraction = 0): void {
  loadingFile = file;
  status.replaceChildren(
    element(Tag.progressRing, { 'aria-label': 'Reading capture' }),
    element('span', {}, packets > 0 ? `Reading ${file.split('/').pop()}: ${packets} TCP packets (${Math.round(fraction * 100)}%)` : `Reading ${file.split('/').pop()}…`),
  );
  const cancel = element(Tag.button, { appearance: 'secondary', id: 'cancel-load' }, 'Cancel');
  cancel.addEventListener('click', () => post({ type: 'cancelLoad' }));
  status.append(cancel);
  status.hidden = false;
}

/** Most recent first; older ones are in the Problems panel. */
const MAX_LIVE_FINDINGS = 20;
let currentSummary: CaptureSummary | undefined;

function showFacts(summary: CaptureSummary): void {
  currentSummary = summary;
  const facts: [string, string][] = [
    ['File', summary.file.split('/').pop() ?? summary.file],
    ['Size', formatBytes(summary.sizeBytes)],
    ['TCP packets', String(summary.packets)],
    ['Conversations', String(summary.conversations)],
    ['Findings', String(summary.findings)],
    ['tshark', summary.tsharkVersion],
  ];
  header.replaceChildren(...facts.map(([label, value]) => {
    const fact = element('span', { class: label === 'Findings' && summary.findings > 0 ? 'fact alert' : 'fact' });
    fact.append(element('span', { class: 'label' }, `${label} `), element('strong', {}, value));
    return fact;
  }));
  for (const warning of summary.warnings) header.append(element('span', { class: 'fact warning' }, warning));
}

function showSummary(summary: CaptureSummary): void {
  showFacts(summary);
  status.hidden = true;
  status.replaceChildren();
  table = new ConversationTable(summary.file, (stream, mode) => post({ type: 'follow', stream, mode }));
  tableHost.replaceChildren(table.element);
  loadedRows = 0;
  totalRows = summary.conversations;
  requestMoreRows();
}

function requestMoreRows(): void {
  if (pendingRequest !== undefined || loadedRows >= totalRows) return;
  pendingRequest = nextRequestId++;
  post({ type: 'requestConversations', requestId: pendingRequest, start: loadedRows, count: PAGE_SIZE });
}

function button(label: string, id: string, onClick: () => void): HTMLElement {
  const control = element(Tag.button, { appearance: 'secondary', id }, label);
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
    // New conversations join the table only when it already holds every row (not one page of them).
    table.upsert(live.changed, loadedRows >= totalRows && pendingRequest === undefined);
    loadedRows = table.size;
    totalRows = Math.max(totalRows, live.conversations);
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
      errorBox.hidden = true;
      return showLoading(message.file);
    case 'progress':
      return showLoading(loadingFile, message.packets, message.fraction);
    case 'loaded':
      return showSummary(message.summary);
    case 'conversations':
      if (message.requestId !== pendingRequest) return;
      pendingRequest = undefined;
      table?.append(message.result.rows);
      loadedRows = table?.size ?? loadedRows + message.result.rows.length;
      totalRows = Math.max(message.result.total, loadedRows);
      return;
    case 'live':
      return showLive(message.status);
    case 'findings':
      findingsHost.replaceChildren(
        renderFindingsPanel(message.findings, message.rules, (stream) => post({ type: 'follow', stream, mode: 'http' })),
      );
      return;
    case 'streamView':
      return streamView.receive(message);
    case 'openStreamView':
      return streamView.open(message.stream);
    case 'error':
      return showError(message.message);
  }
});

// Rows arrive page by page as the user scrolls towards the end of what is loaded.
tableHost.addEventListener('scroll', () => {
  const nearEnd = tableHost.scrollTop + tableHost.clientHeight > tableHost.scrollHeight - 400;
  if (nearEnd) requestMoreRows();
  vscode.setState({ scrollTop: tableHost.scrollTop });
});

post({ type: 'ready' });
