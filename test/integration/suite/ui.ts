/**
 * The extension-host tests' hands: each call asks the Playwright driver (uiDriver.ts) to click,
 * type or look at the workbench as a person would, and waits for its answer. Not a test file.
 */
import { Handshake } from '../handshake';
import type { Frame, Target, UiRequest } from '../uiProtocol';

const handshake = new Handshake(process.env.WIRELENS_E2E_DIR ?? '');

async function ask<T>(request: UiRequest, timeoutMs = 60_000): Promise<{ value: T; elapsedMs: number }> {
  // Each suite file bundles its own copy of this module: ids must not depend on a module counter.
  const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  handshake.write('host', 'ui', { id, request });
  const result = await handshake.waitForMatch('driver', (e) => e.ev === 'ui-result' && e.id === id, `answer to ${request.kind}`, timeoutMs);
  if (!result.ok) throw new Error(`UI ${request.kind} failed: ${String(result.error)}`);
  return { value: result.value as T, elapsedMs: Number(result.elapsedMs) };
}

/** An element of the active capture editor's webview. */
export const inWebview = (selector: string, hasText?: string, nth?: number): Target => ({ frame: 'webview', selector, hasText, nth });
/** An element of the workbench itself (menus, editors, hovers, notifications). */
export const inWorkbench = (selector: string, hasText?: string, nth?: number): Target => ({ frame: 'workbench', selector, hasText, nth });
/** A workbench element whose text matches `pattern` (e.g. an editor line, where spaces may be NBSP). */
export const inWorkbenchMatching = (selector: string, pattern: RegExp): Target => ({ frame: 'workbench', selector, hasText: pattern.source, textIsRegex: true });

export const ui = {
  click: (target: Target, button: 'left' | 'right' = 'left') => ask({ kind: 'click', target, button }),
  rightClick: (target: Target) => ask({ kind: 'click', target, button: 'right' }),
  hover: (target: Target) => ask({ kind: 'hover', target }),
  focus: (target: Target) => ask({ kind: 'focus', target }),
  fill: (target: Target, text: string) => ask({ kind: 'fill', target, text }),
  press: (key: string) => ask({ kind: 'press', key }),
  type: (text: string) => ask({ kind: 'type', text }),
  /** Resolves with the element's text once it is visible; `elapsedMs` counts from code-server's start. */
  waitFor: (target: Target, timeoutMs = 30_000) => ask<string | null>({ kind: 'wait', target, timeoutMs }, timeoutMs + 30_000),
  waitGone: (target: Target, timeoutMs = 30_000) => ask({ kind: 'wait', target, state: 'hidden', timeoutMs }, timeoutMs + 30_000),
  text: async (target: Target) => (await ask<string | null>({ kind: 'text', target })).value ?? '',
  count: async (target: Target) => (await ask<number>({ kind: 'count', target })).value,
  attribute: async (target: Target, name: string) => (await ask<string | null>({ kind: 'attribute', target, name })).value,
  evaluate: async <T>(frame: Frame, body: string) => (await ask<T>({ kind: 'evaluate', frame, body })).value,
  menu: (label: string) => ask({ kind: 'menu', label }),
  palette: (title: string) => ask({ kind: 'palette', title }),
  screenshot: (name: string) => ask<string>({ kind: 'screenshot', name }),
};
