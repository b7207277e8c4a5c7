/**
 * The stream view and the conversation menu's exports in a real VS Code, driven as a person
 * would: encoded-bodies.pcapng (curl --compressed on loopback: gzip, br, deflate, binary, stacked
 * gzip+br with a duplicate Transfer-Encoding) opens, View Stream comes from a right-click, the
 * highlighted finding is hovered for its tooltip, bodies are opened decoded, hex is toggled; then
 * every export is picked from the row's menu and its effect checked from the host (clipboard,
 * files, tshark reading the exported pcapng). Save and folder dialogs are answered by typing the
 * path into VS Code's own dialog, as a person can.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { inWebview, inWorkbench, ui } from './ui';
import { clipboardAfter, eventually } from './vscodeWait';

const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
const ROW = '.grid-row.conversation[data-stream="0"]';

async function open(name: string): Promise<string> {
  assert.ok(workspace, 'the driver opens a workspace folder holding the samples');
  const uri = vscode.Uri.joinPath(workspace, name);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('vscode.openWith', uri, 'wirelens.capture');
  await ui.waitFor(inWebview(ROW), 60_000);
  return uri.fsPath;
}

/** Right-clicks the conversation row and picks `label` from the menu VS Code shows. */
async function fromRowMenu(label: string, row = ROW): Promise<void> {
  await ui.rightClick(inWebview(row));
  await ui.menu(label);
}

/** Answers VS Code's save/open dialog (a quick input in code-server) by typing the path. */
async function answerDialog(file: string): Promise<void> {
  await ui.waitFor(inWorkbench('.quick-input-widget .quick-input-box input'));
  await ui.fill(inWorkbench('.quick-input-widget .quick-input-box input'), file);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the dialog validates the typed path
  await ui.press('Enter');
}

function packetsOf(file: string, filter?: string): string[] {
  const args = ['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tcp.seq_raw'];
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
}

describe('Stream view and exports (encoded-bodies sample)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-exports-'));
  let capture = '';

  before(async () => {
    capture = await open('encoded-bodies.pcapng');
  });

  it('View Stream from a right-click shows client and server bytes in two colours', async () => {
    await fromRowMenu('View Stream');
    const first = await ui.waitFor(inWebview('#stream-content .run.client'));
    assert.match(first.value ?? '', /^GET \/api\/orders\.json HTTP\/1\.1/);
    const server = await ui.text(inWebview('#stream-content .run.server'));
    assert.match(server, /^HTTP\/1\.1 200 OK/);
    const colours = await ui.evaluate<string[]>('webview', `return ['.run.client', '.run.server'].map((s) => getComputedStyle(document.querySelector('#stream-content ' + s)).color);`);
    assert.notEqual(colours[0], colours[1], `client and server colours differ: ${colours.join(' / ')}`);
    // Compressed bytes are escaped, never drawn raw.
    const text = await ui.text(inWebview('#stream-content'));
    assert.match(text, /\\x1f\\x8b/, 'the gzip magic shown as \\xNN escapes');
    assert.doesNotMatch(text, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
  });

  it('the highlighted finding shows rule, RFC section and verdicts on hover', async () => {
    await ui.hover(inWebview('#stream-content .anomaly'));
    const tooltip = await ui.waitFor(inWebview('#stream-tooltip', 'duplicate-transfer-encoding'));
    assert.match(tooltip.value ?? '', /Transfer-Encoding sent more than once.*RFC 9112 §6\.1/);
    assert.match(tooltip.value ?? '', /envoy: reject/);
    assert.equal(await ui.text(inWebview('#stream-content .anomaly')), 'transfer-encoding: chunked');
    await ui.screenshot('stream-view');
  });

  it('stays readable in light, dark and high-contrast themes: both sides contrast with the background', async () => {
    const workbench = () => vscode.workspace.getConfiguration('workbench');
    const original = workbench().get<string>('colorTheme');
    // Light first: each switch then changes the setting (the starting setting can name a theme not yet shown).
    const themes = [
      { name: 'Default Light Modern', file: 'light' },
      { name: 'Default Dark Modern', file: 'dark' },
      { name: 'Default High Contrast', file: 'high-contrast' },
    ];
    try {
      for (const theme of themes) {
        if (workbench().get('colorTheme') !== theme.name) {
          const changed = new Promise<void>((resolve) => {
            const listener = vscode.window.onDidChangeActiveColorTheme(() => (listener.dispose(), resolve()));
          });
          await workbench().update('colorTheme', theme.name, vscode.ConfigurationTarget.Global);
          await changed;
        }
        let lastKind = '';
        // WCAG contrast of each side's text against what is behind it, once the webview has the theme's variables.
        const contrast = await eventually(`${theme.name} in the webview`, async () => {
          const found = await ui.evaluate<{ kind: string; client: number; server: number }>(
            'webview',
            `const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
             const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
             const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
             const content = getComputedStyle(document.getElementById('stream-content')).backgroundColor;
             const back = /rgba\\(.*, 0\\)/.test(content) ? getComputedStyle(document.body).backgroundColor : content;
             const color = (s) => getComputedStyle(document.querySelector('#stream-content ' + s)).color;
             return { kind: document.body.className + ' ' + (document.body.dataset.vscodeThemeKind || ''), client: ratio(color('.run.client'), back), server: ratio(color('.run.server'), back) };`,
          );
          lastKind = found.kind;
          return found.kind.includes(theme.file === 'high-contrast' ? 'vscode-high-contrast' : `vscode-${theme.file}`) ? found : undefined;
        }).catch((error: Error) => {
          throw new Error(`${error.message}; the webview body says "${lastKind}"`);
        });
        console.log(`    ${theme.name}: contrast client ${contrast.client.toFixed(1)}:1, server ${contrast.server.toFixed(1)}:1`);
        assert.ok(contrast.client >= 3 && contrast.server >= 3, `${theme.name}: text contrast at least 3:1 (client ${contrast.client.toFixed(2)}, server ${contrast.server.toFixed(2)})`);
        await ui.screenshot(`stream-view-${theme.file}`);
      }
    } finally {
      await workbench().update('colorTheme', original, vscode.ConfigurationTarget.Global);
    }
  });

  it('opens decoded bodies: gzip JSON pretty-printed, stacked gzip+br, binary as hex', async () => {
    await ui.click(inWebview('#stream-bodies details[data-body="0"] > summary'));
    const orders = await ui.waitFor(inWebview('#stream-bodies details[data-body="0"] pre.body-text'));
    assert.match(orders.value ?? '', /^\{\n {2}"orders": \[\n {4}\{\n {6}"id": 42,/);
    await ui.click(inWebview('#stream-bodies details[data-body="4"] > summary'));
    const report = await ui.waitFor(inWebview('#stream-bodies details[data-body="4"] pre.body-text'));
    assert.match(report.value ?? '', /"detail": "gzip then br"/);
    assert.match(await ui.text(inWebview('#stream-bodies details[data-body="4"] > summary')), /gzip, br/);
    await ui.click(inWebview('#stream-bodies details[data-body="3"] > summary'));
    const hex = await ui.waitFor(inWebview('#stream-bodies details[data-body="3"] .body-hex .hex-row'));
    assert.match(hex.value ?? '', /^00000000\s+00 25 4a 6f/);
  });

  it('toggles hex: offset, bytes and ASCII rows, drawn only where the pane shows them', async () => {
    const timing = await ui.evaluate<{ ms: number; rows: number; total: number }>(
      'webview',
      `const start = performance.now();
       document.getElementById('stream-hex-toggle').click();
       const rows = document.querySelectorAll('#stream-content .hex-row').length;
       const total = Math.round(document.querySelector('#stream-content .hex-body').getBoundingClientRect().height / 18);
       return { ms: performance.now() - start, rows, total };`,
    );
    console.log(`    hex view of stream 0: ${timing.rows} of ${timing.total} rows drawn in ${timing.ms.toFixed(1)} ms`);
    const first = await ui.text(inWebview('#stream-content .hex-row'));
    assert.match(first, /^00000000\s+47 45 54 20 2f 61 70 69 {2}2f 6f 72 64 65 72 73 2e\s+GET \/api\/orders\./);
    assert.equal(await ui.attribute(inWebview('#stream-hex-toggle'), 'aria-pressed'), 'true');
    // The finding's bytes are near the end: scroll there, and they are highlighted in hex too.
    await ui.evaluate('webview', `const c = document.getElementById('stream-content'); c.scrollTop = c.scrollHeight; c.dispatchEvent(new Event('scroll')); return null;`);
    await ui.waitFor(inWebview('#stream-content .hex-row .anomaly'));
    await ui.evaluate('webview', `document.querySelector('#stream-content .hex-row .anomaly').scrollIntoView({ block: 'center' }); return null;`);
    await ui.hover(inWebview('#stream-content .hex-row .anomaly'));
    await ui.waitFor(inWebview('#stream-tooltip', 'duplicate-transfer-encoding'));
    await ui.hover(inWebview('#stream-title'));
    await ui.waitGone(inWebview('#stream-tooltip'));
    await ui.screenshot('stream-view-hex');
    await ui.click(inWebview('#stream-hex-toggle'));
    await ui.waitFor(inWebview('#stream-content .run.client'));
  });

  it('opens from the keyboard too: V on the focused row', async () => {
    await ui.click(inWebview('#stream-close'));
    await ui.waitGone(inWebview('#stream-view'));
    await ui.click(inWebview(ROW));
    await ui.press('v');
    await ui.waitFor(inWebview('#stream-content .run.client'));
    // Escape closes the pane and the keyboard is back on the table.
    await ui.press('Escape');
    await ui.waitGone(inWebview('#stream-view'));
    assert.equal(await ui.evaluate('webview', 'return document.activeElement && document.activeElement.id;'), 'conversations');
    await ui.press('v');
    await ui.waitFor(inWebview('#stream-content .run.client'));
  });

  it('opens from the editor title too: View Stream on the selected row', async () => {
    await ui.click(inWebview('#stream-close'));
    await ui.waitGone(inWebview('#stream-view'));
    await ui.click(inWebview(ROW)); // selects it: the title action appears
    await ui.click(inWorkbench('.editor-actions .action-label[aria-label^="View Stream"]'));
    await ui.waitFor(inWebview('#stream-content .run.client'));
  });

  it('Copy Exchange as Text puts the escaped request and response on the clipboard', async () => {
    const copied = await clipboardAfter(() => fromRowMenu('Copy Exchange as Text'));
    const lines = copied.split('\n');
    assert.equal(lines[0], 'GET /api/orders.json HTTP/1.1');
    assert.ok(lines.includes('HTTP/1.1 200 OK'));
    assert.match(copied, /\\x1f\\x8b/, 'compressed bytes escaped');
    assert.ok(lines.includes('GET /report.json HTTP/1.1'), 'every exchange of the conversation');
  });

  it('on an exchange row, the same menu acts on that exchange only', async () => {
    await ui.click(inWebview(`${ROW} .grid-cell`)); // the first cell expands the conversation's exchanges
    const exchangeRow = '.grid-row.exchange[data-exchange="1"]';
    await ui.waitFor(inWebview(exchangeRow));
    const copied = await clipboardAfter(() => fromRowMenu('Copy Exchange as Text', exchangeRow));
    assert.equal(copied.split('\n')[0], 'GET /index.html HTTP/1.1');
    assert.doesNotMatch(copied, /orders\.json|report\.json/);
    await ui.click(inWebview(`${ROW} .grid-cell`));
    await ui.waitGone(inWebview(exchangeRow));
  });

  it('Save as HAR… writes a HAR 1.2 with every exchange, bodies decoded', async () => {
    const har = path.join(out, 'encoded.har');
    await fromRowMenu('Save as HAR');
    await answerDialog(har);
    const written = await eventually('the HAR file', () => (fs.existsSync(har) && fs.statSync(har).size > 0 ? JSON.parse(fs.readFileSync(har, 'utf8')) : undefined));
    assert.equal(written.log.version, '1.2');
    assert.equal(written.log.entries.length, 5);
    assert.match(written.log.entries[0].request.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/orders\.json$/);
    assert.equal(JSON.parse(written.log.entries[0].response.content.text).orders.length, 3);
    assert.equal(written.log.entries[3].response.content.encoding, 'base64');
  });

  it('Export HTTP Objects… writes each decoded body, named after its target', async () => {
    const folder = path.join(out, 'objects');
    fs.mkdirSync(folder);
    await fromRowMenu('Export HTTP Objects');
    await answerDialog(folder);
    const names = await eventually('the exported objects', () => {
      const found = fs.readdirSync(folder).sort();
      return found.length === 5 ? found : undefined;
    });
    assert.deepEqual(names, ['index.html', 'legacy.txt', 'logo.bin', 'orders.json', 'report.json']);
    assert.equal(JSON.parse(fs.readFileSync(path.join(folder, 'report.json'), 'utf8')).detail, 'gzip then br');
    assert.equal(fs.readFileSync(path.join(folder, 'legacy.txt'), 'latin1').slice(0, 10), 'Caf\xe9 cr\xe8me');
    assert.equal(fs.statSync(path.join(folder, 'logo.bin')).size, 300);
  });

  it('Export Conversation as pcapng… writes exactly the conversation’s packets', async () => {
    const pcapng = path.join(out, 'stream-0.pcapng');
    await fromRowMenu('Export Conversation as pcapng');
    await answerDialog(pcapng);
    await eventually('the exported pcapng', () => (fs.existsSync(pcapng) ? true : undefined));
    assert.deepEqual(packetsOf(pcapng), packetsOf(capture, 'tcp.stream eq 0'));
  });

  it('Export Shown Conversations as pcapng… follows the table filter', async () => {
    const proxy = await open('proxy-502.pcapng');
    const all = packetsOf(proxy, 'tcp');
    await ui.waitFor(inWebview('.grid-row.conversation[data-stream="1"]'));
    // Keep only the proxy → upstream leg: the text filter matches endpoints, and the upstream's port is only on that row.
    const upstream = (await ui.text(inWebview('.grid-row.conversation[data-stream="1"] .grid-cell', undefined, 2))).trim();
    assert.match(upstream, /^127\.0\.0\.1:\d+$/);
    await ui.fill(inWebview('#text-filter'), upstream);
    await ui.waitGone(inWebview('.grid-row.conversation[data-stream="0"]'));
    const shown = path.join(out, 'shown.pcapng');
    await fromRowMenu('Export Shown Conversations as pcapng', '.grid-row.conversation[data-stream="1"]');
    await answerDialog(shown);
    await eventually('the exported pcapng', () => (fs.existsSync(shown) ? true : undefined));
    const exported = packetsOf(shown);
    assert.deepEqual(exported, packetsOf(proxy, 'tcp.stream eq 1'), `filtered on ${upstream}: only the stream the filter shows`);
    assert.ok(exported.length < all.length);
  });

  it('Open in Wireshark is offered only when wireshark is on PATH', async () => {
    const onPath = (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, 'wireshark')));
    await ui.rightClick(inWebview(ROW.replace('"0"', '"1"')));
    await ui.waitFor(inWorkbench('.context-view .monaco-menu .action-item', 'View Stream'));
    const items = await ui.evaluate<string[]>('workbench', `return [...document.querySelectorAll('.context-view .monaco-menu .action-item')].map((item) => item.textContent.trim());`);
    await ui.press('Escape');
    assert.equal(items.some((item) => item.includes('Open in Wireshark')), onPath, `menu: ${items.join(' | ')}`);
    for (const label of ['View Stream', 'Copy Exchange as Text', 'Save as HAR', 'Export HTTP Objects', 'Export Conversation as pcapng', 'Export Shown Conversations as pcapng']) {
      assert.ok(items.some((item) => item.includes(label)), `the menu offers ${label}`);
    }
  });

  it('hostile payloads stay text: no markup, no control or bidi characters reach the page', async () => {
    await open('hostile-payloads.pcapng');
    for (let stream = 0; stream < 5; stream++) {
      const row = `.grid-row.conversation[data-stream="${stream}"]`;
      await ui.waitFor(inWebview(row));
      await fromRowMenu('View Stream', row);
      await ui.waitFor(inWebview('#stream-title', `Stream ${stream} ·`));
      await ui.waitFor(inWebview('#stream-content .run'));
      // Every body opened, then the whole pane (text, hex toggled, bodies) checked.
      const found = await ui.evaluate<{ elements: string[]; unsafe: string[] }>(
        'webview',
        `for (const details of document.querySelectorAll('#stream-bodies details')) { details.open = true; details.dispatchEvent(new Event('toggle')); }
         const pane = document.getElementById('stream-view');
         const texts = [pane.textContent];
         document.getElementById('stream-hex-toggle').click();
         texts.push(pane.textContent);
         document.getElementById('stream-hex-toggle').click();
         const allowed = new Set(['SECTION', 'H2', 'H3', 'SPAN', 'DIV', 'P', 'PRE', 'DETAILS', 'SUMMARY', 'STRONG', 'VSCODE-BUTTON']);
         const elements = [...pane.querySelectorAll('*')].map((e) => e.tagName).filter((tag) => !allowed.has(tag));
         const unsafe = texts.flatMap((t) => t.match(/[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/g) || []).map((c) => c.charCodeAt(0).toString(16));
         return { elements: [...new Set(elements)], unsafe: [...new Set(unsafe)] };`,
      );
      assert.deepEqual(found.elements, [], `stream ${stream}: only the view's own elements`);
      assert.deepEqual(found.unsafe, [], `stream ${stream}: no raw control or bidi characters`);
    }
  });

  it('a long conversation (a generated 3 MB keep-alive connection) opens without freezing: drawn in pieces', async () => {
    assert.ok(workspace);
    const file = path.join(workspace.fsPath, 'long-conversation.pcap');
    generateCapture({ file, targetBytes: 3_000_000, seed: 7, concurrency: 1, maxExchanges: 100_000 });
    await open('long-conversation.pcap');
    const started = Date.now();
    await fromRowMenu('View Stream');
    await ui.waitFor(inWebview('#stream-content .run.client'), 60_000);
    const opened = Date.now() - started;
    const note = await ui.text(inWebview('.stream-note'));
    assert.match(note, /showing the first 1\.0 MiB of \d+\.\d MiB of payload/);
    const text = await ui.evaluate<{ drawn: number }>('webview', `return { drawn: document.querySelectorAll('#stream-content .line').length };`);
    assert.ok(text.drawn <= 1500, `text is drawn a batch at a time (${text.drawn} lines)`);
    const hex = await ui.evaluate<{ ms: number; rows: number; total: number; scrollMs: number }>(
      'webview',
      `const start = performance.now();
       document.getElementById('stream-hex-toggle').click();
       const ms = performance.now() - start;
       const content = document.getElementById('stream-content');
       const total = Math.round(content.querySelector('.hex-body').getBoundingClientRect().height / 18);
       const scrolled = performance.now();
       content.scrollTop = content.scrollHeight / 2;
       content.dispatchEvent(new Event('scroll'));
       const scrollMs = performance.now() - scrolled;
       return { ms, rows: content.querySelectorAll('.hex-row').length, total, scrollMs };`,
    );
    assert.ok(hex.total >= 65536, `1 MiB of payload is at least 65 536 rows of 16 bytes (each run starts a row): ${hex.total}`);
    assert.ok(hex.rows < 200, `only the rows in sight are built (${hex.rows})`);
    console.log(`    long conversation: view opened ${opened} ms after the menu pick (server build + transfer + first batch); hex toggle ${hex.ms.toFixed(1)} ms building ${hex.rows} of ${hex.total} rows; a jump to the middle ${hex.scrollMs.toFixed(1)} ms`);
  });

  after(() => fs.rmSync(out, { recursive: true, force: true }));
});
