/** Which capture a command without arguments means: the one the user is looking at, or one they pick. */
import * as vscode from 'vscode';
import { parseStreamUri, STREAM_SCHEME } from '../../protocol/streamUri';
import { CAPTURE_VIEW_TYPE } from './constants';

/** The capture the user is looking at: the active capture editor, or the capture of the active stream document. */
export function activeCapture(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom && input.viewType === CAPTURE_VIEW_TYPE) return input.uri.fsPath;
  const document = vscode.window.activeTextEditor?.document;
  if (document?.uri.scheme === STREAM_SCHEME) return parseStreamUri(document.uri.toString())?.capture;
  return undefined;
}

/** A capture from a command's argument (an Explorer Uri, or an object with `capture`), else the one in view, else one picked. */
export async function captureFrom(argument: unknown, title: string): Promise<string | undefined> {
  if (argument instanceof vscode.Uri) return argument.fsPath;
  const capture = (argument as { capture?: unknown } | undefined)?.capture;
  if (typeof capture === 'string') return capture;
  return activeCapture() ?? (await pickFile(title, CAPTURE_FILTERS));
}

export async function pickFile(title: string, filters?: Record<string, string[]>): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters });
  return picked?.[0]?.fsPath;
}

export const CAPTURE_FILTERS = { Captures: ['pcapng', 'pcap', 'cap'] };
