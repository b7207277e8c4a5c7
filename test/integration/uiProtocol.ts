/**
 * What the extension-host tests may ask the Playwright driver to do in the workbench, and what
 * comes back. The host cannot click (it runs inside VS Code); the driver cannot see VS Code's API.
 * Requests and results travel through the Handshake files as `ui` / `ui-result` events.
 */

/** Where an element lives: the workbench page, or the active capture editor's webview. */
export type Frame = 'workbench' | 'webview';

export interface Target {
  readonly frame: Frame;
  readonly selector: string;
  /** Only elements whose text contains this (a RegExp source when `textIsRegex`). */
  readonly hasText?: string;
  readonly textIsRegex?: boolean;
  /** Which match (default the first). */
  readonly nth?: number;
}

export type UiRequest =
  | { readonly kind: 'click'; readonly target: Target; readonly button?: 'left' | 'right'; readonly modifiers?: Array<'Shift' | 'Control' | 'Alt'> }
  | { readonly kind: 'hover'; readonly target: Target }
  | { readonly kind: 'focus'; readonly target: Target }
  | { readonly kind: 'fill'; readonly target: Target; readonly text: string }
  /** A key chord, as Playwright names keys ("Control+Shift+P", "ArrowDown"), sent to whatever has focus. */
  | { readonly kind: 'press'; readonly key: string }
  /** Types text into whatever has focus, key by key. */
  | { readonly kind: 'type'; readonly text: string }
  /** Waits until the target is in `state` (default visible); resolves with its text then. */
  | { readonly kind: 'wait'; readonly target: Target; readonly state?: 'visible' | 'hidden' | 'attached' | 'detached'; readonly timeoutMs?: number }
  | { readonly kind: 'text'; readonly target: Target }
  | { readonly kind: 'count'; readonly target: Target }
  | { readonly kind: 'attribute'; readonly target: Target; readonly name: string }
  /** Evaluates a function body (`return …`) in the frame's page context; its JSON result comes back. */
  | { readonly kind: 'evaluate'; readonly frame: Frame; readonly body: string }
  /** Picks the item of the open context menu whose label contains `label`. */
  | { readonly kind: 'menu'; readonly label: string }
  /** Runs a palette command by its title, typed as a person would. */
  | { readonly kind: 'palette'; readonly title: string }
  /** Saves the whole workbench to docs/screenshots/<name>.png. */
  | { readonly kind: 'screenshot'; readonly name: string };

export type UiResult =
  | { readonly ok: true; readonly value: unknown; readonly elapsedMs: number }
  | { readonly ok: false; readonly error: string };
