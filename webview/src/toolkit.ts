/**
 * The one file that imports @vscode/webview-ui-toolkit. The toolkit is deprecated upstream
 * (its last release is 1.4.0); keeping it behind this seam makes a move to another component
 * library a one-file change.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  // The conversation table is our own virtualised grid: the toolkit's data grid renders every row.
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeProgressRing());
}

/** Element names, so views do not spell them out. */
export const Tag = {
  button: 'vscode-button',
  progressRing: 'vscode-progress-ring',
} as const;
