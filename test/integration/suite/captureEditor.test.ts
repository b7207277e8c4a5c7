/**
 * The capture editor in a real VS Code, driven as a person would: the header's facts, the
 * conversation table sorted by clicking its headers, both filter boxes (a text match and a
 * Wireshark display filter, with tshark's error under the box), a conversation's exchanges
 * expanded, a finding clicked open at its bytes, one path by keyboard alone, and a generated
 * 100k-conversation capture opened and scrolled, with the times printed (reported, not asserted).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConversationSummary } from '../../../protocol/model';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { orderConversations } from '../../../server/src/analysis/conversationQuery';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { inWebview, inWorkbench, ui } from './ui';
import { eventually, when } from './vscodeWait';

const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;

/** The streams of the conversation rows in view, top to bottom. */
const visibleStreams = () =>
  ui.evaluate<number[]>(
    'webview',
    `return [...document.querySelectorAll('.grid-row.conversation[data-stream]')]
       .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
       .map((row) => Number(row.dataset.stream));`,
  );

async function open(name: string): Promise<vscode.Uri> {
  assert.ok(workspace, 'the driver opens a workspace folder');
  const uri = vscode.Uri.joinPath(workspace, name);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('vscode.openWith', uri, 'wirelens.capture');
  return uri;
}

/** Waits for the stream document of `stream` to be visible and returns its editor. */
function streamEditor(stream: number, mode: 'http' | 'tcp' = 'http'): Promise<vscode.TextEditor> {
  const find = () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'wirelens-stream' && e.document.uri.path.endsWith(`/stream-${stream}.${mode}`));
  return when(vscode.window.onDidChangeVisibleTextEditors, find);
}

describe('Capture editor: header, exchanges and findings (incident sample)', () => {
  it('shows file, size, packets, time span, link type and tshark version in the header', async () => {
    await open('incident-wrong.pcapng');
    const row = await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    assert.match(row.value ?? '', /POST \/wrong/);
    const facts = await eventually('the header facts', async () => {
      const text = await ui.text(inWebview('#summary'));
      return /Link type/.test(text) ? text : undefined;
    });
    for (const expected of ['File incident-wrong.pcapng', 'TCP packets 10', 'Conversations 1', 'Findings 1', 'Link type Ethernet', 'tshark 4.']) {
      assert.ok(facts.includes(expected), `header lacks "${expected}": ${facts}`);
    }
    assert.match(facts, /Time span \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ UTC → [\d.]+ ms/);
    assert.match(facts, /Size [\d.]+ (B|KiB)/);
  });

  it('expands the conversation to its exchanges: method, target, status, sizes, timing', async () => {
    assert.equal(await ui.attribute(inWebview('[data-stream="0"]'), 'aria-expanded'), 'false');
    await ui.click(inWebview('[data-stream="0"] .grid-cell', undefined, 0));
    const exchange = await ui.waitFor(inWebview('.grid-row.exchange[data-stream="0"]'));
    assert.equal(await ui.attribute(inWebview('.grid-row.conversation[data-stream="0"]'), 'aria-expanded'), 'true');
    const cells = await ui.evaluate<string[]>('webview', `return [...document.querySelectorAll('.grid-row.exchange[data-stream="0"] [role=gridcell]')].map((c) => c.textContent);`);
    assert.equal(cells[0], '#1');
    assert.equal(cells[1], 'POST /wrong');
    assert.match(cells[2], /^200\b/);
    assert.match(cells[3], /^↑ \d+ B$/);
    assert.match(cells[4], /^↓ \d+ B$/);
    assert.match(cells[5], /^[\d.]+ ms$/);
    assert.ok(exchange.value?.includes('POST /wrong'));
    await ui.screenshot('capture-editor-exchanges');
  });

  it('groups findings by rule with severity and count; a click reveals the bytes in the stream document', async () => {
    const group = await ui.waitFor(inWebview('#findings details[data-rule="duplicate-transfer-encoding"]'));
    assert.match(group.value ?? '', /error/);
    assert.equal(await ui.text(inWebview('#findings details[data-rule="duplicate-transfer-encoding"] .count-badge')), '1');
    assert.equal(await ui.text(inWebview('#findings details[data-rule="duplicate-transfer-encoding"] .severity-badge')), 'error');
    await ui.click(inWebview('#findings button.finding'));
    const editor = await streamEditor(0);
    const selected = await eventually('the finding selected', async () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.toString() === editor.document.uri.toString() && !active.selection.isEmpty ? active.document.getText(active.selection) : undefined;
    });
    assert.equal(selected, 'transfer-encoding: chunked');
    await ui.screenshot('finding-revealed');
  });
});

describe('Capture editor: sort and filters over a generated capture', function () {
  this.timeout(300_000);
  const name = 'generated-table.pcap';
  let rows: readonly ConversationSummary[];

  before(async () => {
    assert.ok(workspace);
    const file = vscode.Uri.joinPath(workspace, name).fsPath;
    // Seeded: the same capture every run (scripts/bench/generateCapture.ts), made at test time.
    generateCapture({ file, targetBytes: 2_500_000, seed: 61, anomalyRate: 0.05 });
    rows = (await analyzeCaptureFile(file)).conversations;
    await open(name);
    await ui.waitFor(inWebview('[data-stream="0"]'), 60_000);
    // Rows carry their exchanges once the scan is over.
    await eventually('the scan to end', async () => ((await ui.text(inWebview('#summary'))).includes('Link type') ? true : undefined), 60_000);
  });

  const expectedOrder = (query: Parameters<typeof orderConversations>[1]) => orderConversations(rows, query).map((i) => rows[i].stream);

  it('sorts by a column when its header is clicked, and reverses on a second click (aria-sort follows)', async () => {
    const header = inWebview('[role=columnheader][data-column="bytes"] button');
    await ui.click(header);
    await eventually('aria-sort ascending', async () => ((await ui.attribute(inWebview('[data-column="bytes"]'), 'aria-sort')) === 'ascending' ? true : undefined));
    const ascending = expectedOrder({ sort: { column: 'bytes', descending: false } });
    await eventually('rows by bytes ascending', async () => {
      const shown = await visibleStreams();
      return shown.length > 5 && shown.every((stream, i) => stream === ascending[i]) ? shown : undefined;
    });
    await ui.click(header);
    await eventually('aria-sort descending', async () => ((await ui.attribute(inWebview('[data-column="bytes"]'), 'aria-sort')) === 'descending' ? true : undefined));
    const descending = expectedOrder({ sort: { column: 'bytes', descending: true } });
    const shown = await eventually('rows by bytes descending', async () => {
      const now = await visibleStreams();
      return now.length > 5 && now.every((stream, i) => stream === descending[i]) ? now : undefined;
    });
    assert.equal(shown[0], descending[0]);
    assert.equal(await ui.attribute(inWebview('[data-column="client"]'), 'aria-sort'), 'none');
  });

  it('filters by text on the server: only POST rows, counted', async () => {
    await ui.fill(inWebview('#text-filter'), 'POST');
    const expected = expectedOrder({ text: 'POST', sort: { column: 'bytes', descending: true } });
    assert.ok(expected.length > 0 && expected.length < rows.length);
    const count = await eventually('the filtered count', async () => {
      const text = await ui.text(inWebview('#conversation-count'));
      return text.startsWith(`${expected.length} of ${rows.length}`) ? text : undefined;
    });
    assert.match(count, /conversations/);
    const shown = await eventually('POST rows', async () => {
      const now = await visibleStreams();
      return now.length > 0 && now.every((stream, i) => stream === expected[i]) ? now : undefined;
    });
    assert.ok(shown.length > 0);
  });

  it('applies a Wireshark display filter through tshark, combined with the text filter', async () => {
    await ui.fill(inWebview('#text-filter'), '');
    await ui.fill(inWebview('#display-filter'), 'http.response.code == 200 && tcp.stream <= 9');
    await ui.waitFor(inWebview('#display-filter-state', 'streams match'), 60_000);
    const shown = await eventually('the display-filtered rows', async () => {
      const now = await visibleStreams();
      return now.length > 0 && now.every((stream) => stream <= 9) ? now : undefined;
    });
    assert.ok(shown.length <= 10);
    assert.match(await ui.text(inWebview('#conversation-count')), new RegExp(`^${shown.length} of ${rows.length}`));
  });

  it('shows tshark\'s error for an invalid display filter inline under the box, as text', async () => {
    await ui.fill(inWebview('#display-filter'), 'http.request.method == <b>');
    const error = await ui.waitFor(inWebview('#display-filter-error'), 60_000);
    assert.match(error.value ?? '', /was unexpected in this context|Unexpected/);
    assert.ok(error.value?.includes('<b>'), `the markup is shown as text: ${error.value}`);
    assert.equal(await ui.count(inWebview('#display-filter-error b')), 0);
    assert.equal(await ui.attribute(inWebview('#display-filter'), 'aria-invalid'), 'true');
    await ui.screenshot('display-filter-error');
    // The last good filter still applies; clearing the box clears it.
    await ui.fill(inWebview('#display-filter'), '');
    await eventually('every row back', async () => ((await ui.text(inWebview('#conversation-count'))) === `${rows.length} conversations` ? true : undefined), 60_000);
    assert.equal(await ui.attribute(inWebview('#display-filter-error'), 'hidden'), '');
  });

  it('opens with the wirelens.displayFilter setting in the box and applied', async () => {
    const settings = vscode.workspace.getConfiguration('wirelens');
    await settings.update('displayFilter', 'tcp.stream == 3', vscode.ConfigurationTarget.Global);
    try {
      await open(name);
      await ui.waitFor(inWebview('#display-filter-state', '1 stream matches'), 60_000);
      assert.equal(await ui.evaluate<string>('webview', `return document.getElementById('display-filter').value;`), 'tcp.stream == 3');
      await eventually('only stream 3', async () => {
        const shown = await visibleStreams();
        return shown.length === 1 && shown[0] === 3 ? true : undefined;
      });
      assert.match(await ui.text(inWebview('#conversation-count')), new RegExp(`^1 of ${rows.length} conversations`));
    } finally {
      await settings.update('displayFilter', undefined, vscode.ConfigurationTarget.Global);
    }
    await open(name);
    await eventually('every row', async () => ((await ui.text(inWebview('#conversation-count'))) === `${rows.length} conversations` ? true : undefined), 60_000);
  });

  it('works by keyboard alone: filter, move to the grid, expand, follow, open the context menu', async () => {
    await ui.focus(inWebview('#text-filter'));
    await ui.type('GET');
    await ui.press('Tab'); // the display filter box
    await ui.press('Tab'); // the grid (its sort buttons come after it)
    assert.equal(await ui.evaluate<string>('webview', 'return document.activeElement?.id;'), 'conversations');
    const getRows = expectedOrder({ text: 'GET' });
    await eventually('GET rows', async () => ((await visibleStreams())[0] === getRows[0] ? true : undefined));
    await ui.press('ArrowDown');
    await ui.press('ArrowDown');
    const active = await ui.evaluate<string>('webview', `return document.getElementById(document.getElementById('conversations').getAttribute('aria-activedescendant')).dataset.stream;`);
    assert.equal(Number(active), getRows[2]);
    await ui.press('Space');
    await ui.waitFor(inWebview(`.grid-row.exchange[data-stream="${getRows[2]}"]`));
    await ui.press('ArrowDown'); // the first exchange
    await ui.press('Enter');
    await streamEditor(getRows[2]);
    // Back to the capture editor; Shift+F10 opens the row's context menu (the same commands).
    await vscode.commands.executeCommand('workbench.action.navigateBack').then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await ui.focus(inWebview('#conversations'));
    await ui.press('ArrowLeft'); // back to the conversation row
    await ui.press('Shift+F10');
    await ui.waitFor(inWorkbench('.context-view .monaco-menu .action-item', 'Follow TCP Stream'));
    await ui.screenshot('conversation-context-menu-keyboard');
    // Down the menu to Follow TCP Stream, reading which item has the focus.
    const focusedItem = () => ui.evaluate<string>('workbench', `return document.activeElement?.closest('.action-item')?.textContent ?? '';`);
    await eventually('Follow TCP Stream focused', async () => {
      await ui.press('ArrowDown');
      return (await focusedItem()).includes('Follow TCP Stream') ? true : undefined;
    }, 10_000);
    await ui.press('Enter');
    await streamEditor(getRows[2], 'tcp');
  });
});

interface ScrollMeasurement {
  jumps: { to: string; rowsMs: number; streams: number[] }[];
  frames: { scroll: string; mean: number; p95: number; max: number; count: number }[];
  domRows: number;
  total: number;
}

/**
 * A page's boot in epoch milliseconds by its own clock (navigation timing and the wirelens:*
 * performance marks), without the driver's polling: its frame made, its document fetched and
 * parsed, our script running, `ready` sent, the load's first message, the first rows shown.
 */
const PAGE_MILESTONES = `const at = (ms) => Math.round(performance.timeOrigin + ms);
  const [nav] = performance.getEntriesByType('navigation');
  return {
    frame: at(0), fetched: at(nav.fetchStart), interactive: at(nav.domInteractive),
    ...Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('wirelens:')).map((m) => [m.name.slice(9), at(m.startTime)])),
  };`;

/**
 * Runs in the webview: frame times (requestAnimationFrame deltas) with no scrolling (the page's
 * baseline on this machine), scrolling a fixed step per frame from the top and from the middle
 * (pages are fetched as rows come into view), and how long rows take to appear after a jump to
 * the middle and to the end.
 */
const SCROLL_MEASUREMENT = `return (async () => {
  const viewport = document.querySelector('.grid-viewport');
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const filledRows = () => [...document.querySelectorAll('.grid-row.conversation')].filter((row) => row.dataset.stream !== undefined);
  const placeholders = () => document.querySelectorAll('.grid-row.placeholder').length;
  const settle = async () => {
    const t0 = performance.now();
    await frame();
    while ((placeholders() > 0 || filledRows().length === 0) && performance.now() - t0 < 30000) await frame();
    return performance.now() - t0;
  };
  const frames = async (label, step, count) => {
    const deltas = [];
    let last = performance.now();
    for (let i = 0; i < count; i++) {
      viewport.scrollTop += step;
      await frame();
      const now = performance.now();
      deltas.push(now - last);
      last = now;
    }
    deltas.sort((a, b) => a - b);
    return { scroll: label, mean: deltas.reduce((a, b) => a + b, 0) / deltas.length, p95: deltas[Math.floor(deltas.length * 0.95)], max: deltas[deltas.length - 1], count: deltas.length };
  };
  viewport.scrollTop = 0;
  await settle();
  const measured = { jumps: [], frames: [] };
  measured.frames.push(await frames('idle, no scrolling', 0, 60));
  measured.frames.push(await frames('from the top, 120 px per frame', 120, 120));
  for (const [to, fraction] of [['middle', 0.5], ['end', 1]]) {
    viewport.scrollTop = (viewport.scrollHeight - viewport.clientHeight) * fraction;
    const rowsMs = await settle();
    measured.jumps.push({ to, rowsMs, streams: filledRows().map((row) => Number(row.dataset.stream)) });
    if (to === 'middle') measured.frames.push(await frames('from the middle, 600 px per frame', 600, 120));
  }
  return { ...measured, domRows: document.querySelectorAll('.grid-body .grid-row').length, total: Number(document.getElementById('conversations').getAttribute('aria-rowcount')) - 1 };
})();`;

describe('Capture editor: a generated 100k-conversation capture (times reported, not asserted)', function () {
  this.timeout(600_000);
  const name = 'generated-100k.pcap';
  let conversations = 0;

  before(() => {
    assert.ok(workspace);
    const started = Date.now();
    // Many short connections: one small exchange each (scripts/bench/generateCapture.ts, seeded).
    const manifest = generateCapture({
      file: vscode.Uri.joinPath(workspace, name).fsPath,
      targetBytes: Number.MAX_SAFE_INTEGER,
      targetStreams: 100_000,
      maxExchanges: 1,
      maxBodyBytes: 200,
      concurrency: 64,
      seed: 100_000,
    });
    conversations = manifest.streams;
    console.log(`    generated ${path.basename(name)}: ${manifest.streams} streams, ${manifest.packets} packets, ${(manifest.bytes / 1e6).toFixed(0)} MB in ${Date.now() - started} ms`);
  });

  it('lists the first rows soon after opening, and scrolls to the middle and the end with rows present', async () => {
    const opened = Date.now();
    await open(name);
    await ui.waitFor(inWebview('#status', 'Reading'), 120_000);
    const readingMs = Date.now() - opened;
    await ui.waitFor(inWebview('.grid-row.conversation[data-stream="0"]'), 120_000);
    const firstRowsMs = Date.now() - opened;
    const boot = await ui.evaluate<Record<string, number>>('webview', PAGE_MILESTONES);
    console.log(`    100k table, page milestones after openWith: ${Object.entries(boot).map(([name, at]) => `${name} ${at - opened} ms`).join(', ')}`);
    // Rows come from the index while the scan runs: the header has no final summary yet.
    assert.doesNotMatch(await ui.text(inWebview('#summary')), /Link type/, 'the first rows came before the scan ended');
    const during = await ui.evaluate<ScrollMeasurement>('webview', SCROLL_MEASUREMENT);
    await eventually('the scan to end', async () => ((await ui.text(inWebview('#summary'))).includes('Link type') ? true : undefined), 300_000);
    const scanMs = Date.now() - opened;
    const after = await ui.evaluate<ScrollMeasurement>('webview', SCROLL_MEASUREMENT);
    console.log(`    100k table: page showed "Reading" ${readingMs} ms and the first rows ${firstRowsMs} ms after openWith, scan done after ${scanMs} ms; ${after.total} rows; ${after.domRows} rows in the DOM`);
    for (const [when, measured] of [['while the scan runs', during], ['after the scan', after]] as const) {
      for (const jump of measured.jumps) console.log(`    ${when}: jump to the ${jump.to}: rows in ${jump.rowsMs.toFixed(0)} ms (streams ${Math.min(...jump.streams)}–${Math.max(...jump.streams)})`);
      for (const f of measured.frames) console.log(`    ${when}: frames (${f.scroll}): mean ${f.mean.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms over ${f.count} frames`);
    }
    const measured = after;
    // Behaviour, not speed: every conversation is in the grid's row count, few are in the DOM,
    // and rows are there after each jump (the end shows the last streams).
    assert.equal(measured.total, conversations);
    assert.ok(measured.domRows < 200, `${measured.domRows} rows in the DOM`);
    const [middle, end] = measured.jumps;
    assert.ok(middle.streams.length > 0 && end.streams.length > 0);
    assert.ok(Math.min(...middle.streams) > conversations * 0.4 && Math.max(...middle.streams) < conversations * 0.6, `middle rows ${middle.streams.slice(0, 3)}`);
    assert.ok(end.streams.includes(conversations - 1), `the last stream is shown at the end: ${end.streams.slice(-3)}`);
    await ui.screenshot('capture-editor-100k');
    // The same milestones for a blank webview (no extension code in it): the part of the boot that is VS Code's.
    const blank = vscode.window.createWebviewPanel('wirelens.test.blank', 'blank', vscode.ViewColumn.Active, { enableScripts: true });
    let bare: Record<string, number>;
    try {
      blank.webview.html = '<!DOCTYPE html><html><body><p id="blank">blank</p></body></html>';
      await ui.waitFor(inWebview('#blank'), 30_000);
      bare = await ui.evaluate<Record<string, number>>('webview', PAGE_MILESTONES);
    } finally {
      blank.dispose();
    }
    console.log(`    a blank webview panel, after its frame was made: document fetched ${bare.fetched - bare.frame} ms, interactive ${bare.interactive - bare.frame} ms (the capture editor: ${boot.fetched - boot.frame} / ${boot.interactive - boot.frame} ms)`);
  });
});
