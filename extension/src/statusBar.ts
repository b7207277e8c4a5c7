/** The status-bar item of the active capture editor: its finding count, errors first. */
import * as vscode from 'vscode';
import type { CaptureSummary } from '../../protocol/model';

export class CaptureStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('wirelens.findings', vscode.StatusBarAlignment.Left, 100);
  private shownFor?: string;

  constructor() {
    this.item.name = 'Wirelens findings';
    this.item.command = 'workbench.actions.view.problems';
  }

  show(summary: CaptureSummary): void {
    this.shownFor = summary.file;
    const icon = summary.findings > 0 ? '$(warning)' : '$(pass)';
    this.item.text = `${icon} Wirelens: ${summary.findings} finding${summary.findings === 1 ? '' : 's'}`;
    this.item.tooltip = `${summary.conversations} TCP conversations, ${summary.packets} TCP packets (tshark ${summary.tsharkVersion})`;
    this.item.show();
  }

  hideFor(file: string): void {
    if (this.shownFor === file) this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
