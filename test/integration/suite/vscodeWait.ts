/**
 * Waiting helpers shared by the extension-host tests. Not a test file (the suite runner loads
 * only *.test.js), so it is bundled into each test that imports it.
 */
import * as vscode from 'vscode';

/** Resolves with `probe()`'s first defined value, checked now and after each `event`. */
export function when<T>(event: vscode.Event<unknown>, probe: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const now = probe();
    if (now !== undefined) return resolve(now);
    const listener = event(() => {
      const found = probe();
      if (found !== undefined) {
        listener.dispose();
        resolve(found);
      }
    });
  });
}

/** Polls `probe` until it gives a value (state no event announces: files, the clipboard, the page). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** What `action` put on the clipboard (a sentinel is written first, so an unchanged clipboard times out). */
export async function clipboardAfter(action: () => Promise<unknown>, timeoutMs = 10_000): Promise<string> {
  const sentinel = '(nothing copied)';
  await vscode.env.clipboard.writeText(sentinel);
  await action();
  return eventually('the clipboard to change', async () => {
    const text = await vscode.env.clipboard.readText();
    return text === sentinel ? undefined : text;
  }, timeoutMs);
}
