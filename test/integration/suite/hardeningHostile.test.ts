/**
 * Hostile packets in a real VS Code: samples/hostile-payloads.pcapng (scripts/make-hostile-sample.mjs)
 * carries markup that sets window.__pwned if it ever runs, javascript: URLs, terminal escapes,
 * bidi controls, NUL and a 100 KB line in targets, header names, values and bodies. In the capture
 * editor's real webview (Chromium) nothing of it runs, no element comes from it, the CSP is strict
 * and is what actually blocks inline code, and every view shows the bytes as escaped text.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { inWebview, ui } from './ui';
import { when } from './vscodeWait';

const STREAM_SCHEME = 'wirelens-stream';
/** What a terminal, an editor or a bidi algorithm would act on: C0 (but TAB/LF/CR), DEL, C1, bidi marks and controls. (The stream view draws an empty line as U+200B itself.) */
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

interface PageFacts {
  pwned: unknown;
  scripts: { src: string; nonce: boolean; inline: boolean; vsCodeApi: boolean }[];
  counts: Record<string, number>;
  handlerAttributes: string[];
  csp: string;
  resources: string[];
  text: string;
  titles: string[];
}

/** Everything the page holds, shadow roots included (the toolkit's grid cells are custom elements). */
const PAGE_FACTS = `
  const all = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) { all.push(el); if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  const count = (tag) => all.filter((el) => el.localName === tag).length;
  return {
    pwned: window.__pwned === undefined ? 'undefined' : window.__pwned,
    scripts: all.filter((el) => el.localName === 'script').map((s) => ({ src: s.src, nonce: s.nonce !== '', inline: !s.src && s.textContent.trim() !== '', vsCodeApi: !s.src && /acquireVsCodeApi/.test(s.textContent) })),
    counts: { script: count('script'), img: count('img'), svg: count('svg'), iframe: count('iframe'), object: count('object'), embed: count('embed'), a: all.filter((el) => el.localName === 'a' && /^javascript:/i.test(el.getAttribute('href') || '')).length },
    handlerAttributes: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => el.localName + '[' + a.name + ']')),
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
    resources: performance.getEntriesByType('resource').map((r) => r.name),
    text: document.body.innerText,
    titles: all.map((el) => el.getAttribute('title')).filter(Boolean),
  };`;

/** CSP directives by name. */
function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));
}

describe('Hostile payloads stay inert text in the capture editor', () => {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
  const capture = workspace && vscode.Uri.joinPath(workspace, 'hostile-payloads.pcapng');
  let facts: PageFacts;

  before(async () => {
    assert.ok(capture);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('vscode.openWith', capture, 'wirelens.capture');
    await ui.waitFor(inWebview('[data-stream="4"]'), 60_000);
    await ui.waitFor(inWebview('#findings details'));
    // As a person first sees it: the table of hostile targets, the first findings group open.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await ui.screenshot('hostile-payload');
    // Open every findings group, so all their text is on the page.
    await ui.evaluate('webview', `for (const d of document.querySelectorAll('#findings details')) d.open = true; return true;`);
    facts = await ui.evaluate<PageFacts>('webview', PAGE_FACTS);
  });

  it('runs none of it: window.__pwned stays undefined, no element or handler came from the data', () => {
    assert.equal(facts.pwned, 'undefined');
    // Two scripts: the page's own (main.js, with the nonce) and the one VS Code injects to define
    // acquireVsCodeApi (inline, outside our CSP's reach); none from the data.
    const ours = facts.scripts.filter((s) => !s.vsCodeApi);
    assert.equal(facts.counts.script, 2, JSON.stringify(facts.scripts));
    assert.equal(ours.length, 1, JSON.stringify(facts.scripts));
    assert.ok(ours[0].nonce && !ours[0].inline && ours[0].src.endsWith('/main.js'), JSON.stringify(ours));
    for (const tag of ['img', 'svg', 'iframe', 'object', 'embed', 'a'] as const) assert.equal(facts.counts[tag], 0, `${tag} elements: ${facts.counts[tag]}`);
    assert.deepEqual(facts.handlerAttributes, []);
  });

  it('has a strict CSP: nothing by default, scripts by nonce only, no inline or eval, no remote origin', () => {
    const csp = directives(facts.csp);
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    const scripts = csp.get('script-src') ?? [];
    assert.equal(scripts.length, 1, facts.csp);
    assert.match(scripts[0], /^'nonce-[A-Za-z0-9+/=]{16,}'$/);
    assert.ok(!csp.has('script-src-elem') && !csp.has('script-src-attr'), facts.csp);
    assert.doesNotMatch(facts.csp, /unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic|\bdata:|\bblob:|\*(?!\.vscode-cdn\.net)/);
    // Sources are 'self', a nonce, or VS Code's own resource origin (webview.cspSource): no other host.
    for (const [name, sources] of csp) {
      for (const source of sources) {
        assert.match(source, /^('none'|'self'|'nonce-[^']+'|https:\/\/\*\.vscode-cdn\.net)$/, `${name} allows ${source}`);
      }
    }
    // And the page loaded nothing from anywhere else.
    for (const url of facts.resources) assert.match(url, /^https:\/\/[^/]*\.vscode-cdn\.net\//, `the webview loaded ${url}`);
  });

  it('the CSP, not only our escaping, blocks inline code a bug could let in', async () => {
    const probe = await ui.evaluate<string>('webview', `
      const img = document.createElement('img');
      img.setAttribute('src', 'x');
      img.setAttribute('onerror', 'window.__cspProbe = "handler ran"');
      const script = document.createElement('script');
      script.textContent = 'window.__cspProbe = "inline script ran"';
      document.body.append(img, script);
      return new Promise((resolve) => setTimeout(() => { img.remove(); script.remove(); resolve(String(window.__cspProbe)); }, 500));`);
    assert.equal(probe, 'undefined');
  });

  it('shows the markup, javascript: URLs and escapes literally in the table, the findings panel and the tooltips', async () => {
    const row = async (stream: number) => ui.text(inWebview(`[data-stream="${stream}"]`));
    assert.ok((await row(0)).includes('GET /<script>window.__pwned=1</script> → 200'), await row(0));
    assert.ok((await row(1)).includes('GET javascript:window.__pwned=4// → 302'), await row(1));
    assert.ok((await row(2)).includes('GET /ansi\\x1b[2J\\x1b[31m → 200'), await row(2));
    assert.ok((await row(3)).includes('GET /invoice\\xe2\\x80\\xaegpj.exe\\xe2\\x81\\xa6 → 200'), await row(3));
    for (const expected of [
      'Field name "<svg onload=window.__pwned=3>" is not a token',
      'Transfer-Encoding ends with "<img src=x onerror="window.__pwned=2">"',
      'X-Osc52: \\x1b]52;c;cHduZWQ=\\x07',
      'X-Nul: before\\x00after',
    ]) {
      assert.ok(facts.text.includes(expected), `the page does not show ${JSON.stringify(expected)}`);
    }
    assert.ok(facts.titles.some((title) => title.includes('GET /<script>window.__pwned=1</script> → 200')), 'row tooltips show the target');
    assert.doesNotMatch(facts.text, CONTROLS);
    for (const title of facts.titles) assert.doesNotMatch(title, CONTROLS);
  });

  it('an expanded conversation lists its exchanges escaped', async () => {
    await ui.click(inWebview('[data-stream="2"]'));
    await ui.press('Space');
    const exchange = await ui.waitFor(inWebview('.grid-row.exchange', 'ansi'));
    assert.ok(exchange.value?.includes('GET /ansi\\x1b[2J\\x1b[31m'), exchange.value ?? '');
    assert.doesNotMatch(await ui.evaluate<string>('webview', 'return document.body.innerText;'), CONTROLS);
  });

  it('the stream view draws the bytes escaped, in the page', async () => {
    for (const [stream, expected] of [[2, 'X-Osc52: \\x1b]52;c;cHduZWQ=\\x07'], [3, 'X-Bidi: user\\xe2\\x80\\xae']] as const) {
      await vscode.commands.executeCommand('wirelens.viewStream', { capture: capture!.fsPath, stream });
      const content = await ui.waitFor(inWebview('#stream-content', expected));
      assert.doesNotMatch(content.value ?? '', CONTROLS);
      assert.doesNotMatch(await ui.evaluate<string>('webview', 'return document.body.innerText;'), CONTROLS);
    }
    await ui.press('Escape');
  });

  it('Copy Exchange as Text puts escapes on the clipboard, never the raw bytes a terminal would run', async () => {
    for (const stream of [2, 3]) {
      const text = await vscode.commands.executeCommand<string>('wirelens.copyExchangeAsText', { capture: capture!.fsPath, stream, exchange: 0 });
      assert.ok(text && text.length > 0, `stream ${stream}: nothing copied`);
      assert.doesNotMatch(text, CONTROLS);
      assert.equal(await vscode.env.clipboard.readText(), text);
    }
  });

  it('follows the terminal-escape stream as a document with escapes and its diagnostics', async () => {
    await vscode.commands.executeCommand('wirelens.followHttpStream', { capture: capture!.fsPath, stream: 2 });
    const [uri, diagnostics] = await when(vscode.languages.onDidChangeDiagnostics, () =>
      vscode.languages.getDiagnostics().find(([u, list]) => u.scheme === STREAM_SCHEME && u.path.endsWith('/hostile-payloads.pcapng/stream-2.http') && list.length > 0),
    );
    const document = await vscode.workspace.openTextDocument(uri);
    const text = document.getText();
    assert.doesNotMatch(text, CONTROLS);
    for (const line of ['X-Ansi: \\x1b[2J\\x1b[1;31mCLEARED\\x1b[0m', 'X-Osc8: \\x1b]8;;https://evil.invalid/\\x07click me\\x1b]8;;\\x07', 'X-C1: \\x9b2J \\xc2\\x9b2J']) {
      assert.ok(text.split('\n').includes(line), `no line ${line}`);
    }
    assert.ok(diagnostics.length >= 4, `${diagnostics.length} diagnostics`);
    for (const diagnostic of diagnostics) assert.doesNotMatch(diagnostic.message, CONTROLS);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, diagnostics[0].range.start);
    const hoverText = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
    assert.ok(hoverText.length > 0, 'the hover answers');
    assert.doesNotMatch(hoverText, CONTROLS);
  });

  it('follows the bidi/NUL stream: no bidi control or NUL reaches the editor', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('wirelens.followTcpStream', { capture: capture!.fsPath, stream: 3 });
    const text = editor.document.getText();
    assert.doesNotMatch(text, CONTROLS);
    assert.ok(text.includes('X-Bidi: user\\xe2\\x80\\xaetxt.exe\\xe2\\x81\\xa6\\xe2\\x81\\xa9'));
    assert.ok(text.includes('nul:\\x00\\x00\\x00:end'));
  });
});
