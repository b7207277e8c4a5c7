/**
 * The Playwright side of uiProtocol.ts: serves the extension-host tests' UI requests in order,
 * as a person would do them (real clicks, keys and menus), until the test run ends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';
import type { Handshake, HandshakeEvent } from './handshake';
import type { Target, UiRequest, UiResult } from './uiProtocol';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const ACTION_TIMEOUT_MS = 30_000;

/** The active capture editor's webview: several may exist, only the visible one is the active editor's. */
function activeWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

/** Every element the target names (its text filter applied, `nth` not). */
function matching(page: Page, target: Target): Locator {
  const root = target.frame === 'webview' ? activeWebview(page) : page;
  const locator = root.locator(target.selector);
  if (target.hasText === undefined) return locator;
  return locator.filter({ hasText: target.textIsRegex ? new RegExp(target.hasText) : target.hasText });
}

function locate(page: Page, target: Target): Locator {
  return matching(page, target).nth(target.nth ?? 0);
}

async function perform(page: Page, request: UiRequest): Promise<unknown> {
  switch (request.kind) {
    case 'click':
      return locate(page, request.target).click({ button: request.button ?? 'left', modifiers: request.modifiers, timeout: ACTION_TIMEOUT_MS });
    case 'hover':
      return locate(page, request.target).hover({ timeout: ACTION_TIMEOUT_MS });
    case 'focus':
      return locate(page, request.target).focus({ timeout: ACTION_TIMEOUT_MS });
    case 'fill':
      return locate(page, request.target).fill(request.text, { timeout: ACTION_TIMEOUT_MS });
    case 'press':
      return page.keyboard.press(request.key);
    case 'type':
      return page.keyboard.type(request.text, { delay: 20 });
    case 'wait': {
      const locator = locate(page, request.target);
      const state = request.state ?? 'visible';
      await locator.waitFor({ state, timeout: request.timeoutMs ?? ACTION_TIMEOUT_MS });
      return state === 'visible' || state === 'attached' ? locator.textContent() : null;
    }
    case 'text':
      return locate(page, request.target).textContent({ timeout: ACTION_TIMEOUT_MS });
    case 'count':
      return matching(page, request.target).count();
    case 'attribute':
      return locate(page, request.target).getAttribute(request.name, { timeout: ACTION_TIMEOUT_MS });
    case 'evaluate': {
      const body = new Function(request.body) as () => unknown;
      if (request.frame === 'workbench') return page.evaluate(body);
      // The webview's document lives in a nested frame; evaluate through any element of it.
      return activeWebview(page).locator('html').evaluate(body);
    }
    case 'menu': {
      const item = page.locator('.context-view .monaco-menu .action-item', { hasText: request.label });
      await item.first().waitFor({ timeout: ACTION_TIMEOUT_MS });
      await page.waitForTimeout(250); // a click in the menu's first moments is ignored (VSCODE-E2E.md)
      return item.first().click();
    }
    case 'palette': {
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget input');
      await input.fill(`>${request.title}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: request.title }).first().waitFor({ timeout: ACTION_TIMEOUT_MS });
      return page.keyboard.press('Enter');
    }
    case 'screenshot':
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${request.name}.png`) });
      return path.join('docs', 'screenshots', `${request.name}.png`);
  }
}

/** Serves `ui` events from the host until `done` settles. Each request is answered exactly once. */
export async function serveUiRequests(page: Page, handshake: Handshake, started: number, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  let served = 0;
  while (!finished) {
    const pending: HandshakeEvent[] = handshake.read('host').filter((event) => event.ev === 'ui').slice(served);
    for (const event of pending) {
      served++;
      let result: UiResult;
      try {
        const value = await perform(page, event.request as UiRequest);
        result = { ok: true, value: value ?? null, elapsedMs: Date.now() - started };
      } catch (error) {
        result = { ok: false, error: (error as Error).message.split('\n')[0] };
      }
      handshake.write('driver', 'ui-result', { id: event.id, ...result });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
