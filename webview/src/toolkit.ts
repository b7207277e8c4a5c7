/**
 * The one file that imports @vscode/webview-ui-toolkit. The toolkit is deprecated upstream
 * (its last release is 1.4.0); keeping it behind this seam makes a move to another component
 * library a one-file change.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(), vsCodeProgressRing());
}

/** Element names, so views do not spell them out. */
export const Tag = {
  button: 'vscode-button',
  grid: 'vscode-data-grid',
  row: 'vscode-data-grid-row',
  cell: 'vscode-data-grid-cell',
  progressRing: 'vscode-progress-ring',
} as const;
