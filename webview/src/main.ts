/**
 * The capture editor's page. It owns the webview state, renders what the extension sends and
 * asks for conversation rows page by page; it computes nothing about the capture itself.
 */
import type { CaptureSummary } from '../../protocol/model';
import type { FromWebviewMessage, ToWebviewMessage } from '../../protocol/webviewProtocol';
import { ConversationTable } from './conversationTable';
import { element, formatBytes } from './dom';
import { registerToolkit, Tag } from './toolkit';

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
const hint = element('p', { class: 'hint' }, 'Right-click a conversation to follow its HTTP or TCP stream (keyboard: Enter, Shift+Enter).');
const tableHost = element('main', { id: 'table-host' });
app.append(header, status, errorBox, hint, tableHost);

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

function showSummary(summary: CaptureSummary): void {
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
      loadedRows += message.result.rows.length;
      totalRows = message.result.total;
      return;
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
