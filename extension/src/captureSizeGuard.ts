/** Captures above wirelens.maxFileSizeMB ask before they are read: a multi-gigabyte file takes a while and memory. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MAX_FILE_SIZE_SETTING, SETTINGS_SECTION } from './constants';

const OPEN_ANYWAY = 'Open Anyway';
const CANCEL = 'Cancel';
const MB = 1024 * 1024;

/** True when the capture may be read: small enough, the limit is 0, or the user said so. */
export async function confirmCaptureSize(capture: string): Promise<boolean> {
  const limit = vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.Uri.file(capture)).get<number>(MAX_FILE_SIZE_SETTING, 0);
  if (!(limit > 0)) return true;
  const stat = await vscode.workspace.fs.stat(vscode.Uri.file(capture)).then(
    (s) => s,
    () => undefined,
  );
  if (!stat || stat.size <= limit * MB) return true; // a missing file fails later, with the server's sentence
  const size = stat.size >= 1024 * MB ? `${(stat.size / 1024 / MB).toFixed(1)} GB` : stat.size >= MB ? `${(stat.size / MB).toFixed(0)} MB` : `${(stat.size / 1024).toFixed(1)} KB`;
  // A notification, not a modal dialog: the rest of the window stays usable while it waits.
  const choice = await vscode.window.showWarningMessage(
    `${path.basename(capture)} is ${size}, more than wirelens.maxFileSizeMB (${limit} MB): Wirelens reads the whole capture to find every conversation and finding. Open it anyway?`,
    OPEN_ANYWAY,
    CANCEL,
  );
  return choice === OPEN_ANYWAY;
}
