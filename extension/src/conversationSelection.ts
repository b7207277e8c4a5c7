/**
 * The conversation row selected in each capture editor (the webview posts `selection`), and a
 * context key saying whether the active one has a selection: it shows the editor-title Follow
 * action, which follows that row's HTTP stream.
 */
import * as vscode from 'vscode';
import { SELECTED_CONVERSATION_CONTEXT } from './constants';

export class ConversationSelection {
  private readonly selected = new Map<string, number>();
  private active?: string;

  /** A capture editor's webview selected a row (or none). */
  set(capture: string, stream: number | undefined): void {
    if (stream === undefined) this.selected.delete(capture);
    else this.selected.set(capture, stream);
    if (capture === this.active) this.updateContext();
  }

  /** The capture shown by the active editor (undefined when no capture editor is active). */
  setActive(capture: string | undefined): void {
    this.active = capture;
    this.updateContext();
  }

  /** That capture's editor is no longer the active one (another may already be). */
  deactivate(capture: string): void {
    if (capture === this.active) this.setActive(undefined);
  }

  /** Its editor closed. */
  forget(capture: string): void {
    this.selected.delete(capture);
    this.deactivate(capture);
  }

  /** The active capture and its selected stream, if both exist. */
  current(): { capture: string; stream: number } | undefined {
    const stream = this.active === undefined ? undefined : this.selected.get(this.active);
    return this.active !== undefined && stream !== undefined ? { capture: this.active, stream } : undefined;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', SELECTED_CONVERSATION_CONTEXT, this.current() !== undefined);
  }
}

/** One per extension host: every capture editor reports to it. */
export const conversationSelection = new ConversationSelection();
