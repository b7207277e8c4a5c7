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
