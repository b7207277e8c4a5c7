/**
 * Live capture in the window: the Start/Stop/Save As commands (quick picks, the capture-filter
 * box whose errors the server finds), the status-bar item and the context key for the editor
 * toolbar. It asks the server for everything it shows; it decides nothing about packets.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseCaptureLimits } from '../../protocol/captureLimits';
import {
  CaptureInterfacesRequest,
  CheckCaptureFilterRequest,
  StartLiveCaptureRequest,
  StopLiveCaptureRequest,
} from '../../protocol/lspProtocol';
import type { CaptureInterface, CaptureLimits, LiveCaptureSource, LiveCaptureStatus } from '../../protocol/model';
import type { WirelensClient } from './client';
import { CAPTURE_SOURCES_SETTING, CAPTURE_VIEW_TYPE, CAPTURING_CONTEXT, Commands, SETTINGS_SECTION } from './constants';

/** What the commands accept instead of asking (keybindings, scripts, tests). */
export interface StartLiveCaptureArgs {
  /** An interface name (`lo`)… */
  readonly interface?: string;
  readonly filter?: string;
  /** …or the name of a source in wirelens.captureSources. */
  readonly source?: string;
  /** `{ durationSeconds, packets, bytes }`, or text such as "30s 10MB". */
  readonly limits?: CaptureLimits | string;
}

export interface CaptureTargetArgs {
  readonly capture?: string;
  /** Save As only: where to write (a path or a URI string); no dialog when given. */
  readonly destination?: string;
}

/** One entry of the wirelens.captureSources setting. */
interface ConfiguredSource {
  readonly name: string;
  readonly command: readonly string[];
  readonly description?: string;
}

function configuredSources(): ConfiguredSource[] {
  const raw = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown[]>(CAPTURE_SOURCES_SETTING) ?? [];
  return raw.filter((entry): entry is ConfiguredSource => {
    const source = entry as ConfiguredSource;
    return typeof source?.name === 'string' && Array.isArray(source.command) && source.command.every((part) => typeof part === 'string');
  });
}

function isRunning(status: LiveCaptureStatus | undefined): boolean {
  return status?.state === 'capturing' || status?.state === 'stopping';
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

type SourcePick = vscode.QuickPickItem & { source?: LiveCaptureSource; iface?: CaptureInterface; configure?: true };

export class LiveCaptureController implements vscode.Disposable {
  /** Captures started in this window, by capture file, with their latest status. */
  private readonly captures = new Map<string, LiveCaptureStatus>();
  private readonly statusItem = vscode.window.createStatusBarItem('wirelens.liveCapture', vscode.StatusBarAlignment.Left, 99);
  private readonly disposables: vscode.Disposable[] = [];
  private activeCapture?: string;

  constructor(private readonly client: WirelensClient) {
    this.statusItem.name = 'Wirelens live capture';
    this.disposables.push(
      this.statusItem,
      client.onLiveCapture((status) => {
        if (!this.captures.has(status.capture)) return;
        this.captures.set(status.capture, status);
        this.refresh();
      }),
      // A server that died took its captures along (each source's guard stopped it): say so.
      client.onDidRestart(() => this.endRunning('The Wirelens server stopped, and the capture with it.')),
      vscode.commands.registerCommand(Commands.startLiveCapture, (args?: StartLiveCaptureArgs) => this.start(args)),
      vscode.commands.registerCommand(Commands.stopLiveCapture, (args?: CaptureTargetArgs) => this.stop(args)),
      vscode.commands.registerCommand(Commands.saveCaptureAs, (args?: CaptureTargetArgs) => this.saveAs(args)),
    );
    this.refresh();
  }

  /** Marks every running capture of this window as failed with `message` (its server is gone). */
  private endRunning(message: string): void {
    for (const [capture, status] of this.captures) {
      if (isRunning(status)) this.captures.set(capture, { ...status, state: 'failed', message, newFindings: [], changed: [] });
    }
    this.refresh();
  }

  status(capture: string): LiveCaptureStatus | undefined {
    return this.captures.get(capture);
  }

  /** The capture editor that has focus (undefined: none); drives the toolbar and status bar. */
  setActiveCapture(capture: string | undefined): void {
    this.activeCapture = capture;
    this.refresh();
  }

  /** That capture's editor lost focus or closed: forget it unless another capture editor took over. */
  clearActiveCapture(capture: string): void {
    if (this.activeCapture === capture) this.setActiveCapture(undefined);
  }

  /** Its last editor closed: a running capture stops, and an unsaved temporary file is deleted. */
  async release(capture: string): Promise<void> {
    if (!this.captures.has(capture)) return;
    this.captures.delete(capture);
    if (this.activeCapture === capture) this.activeCapture = undefined;
    this.refresh();
    const client = await this.client.get();
    await client.sendRequest(StopLiveCaptureRequest.type, { capture, discard: true }).catch(() => undefined);
  }

  private refresh(): void {
    const active = this.activeCapture ? this.captures.get(this.activeCapture) : undefined;
    void vscode.commands.executeCommand('setContext', CAPTURING_CONTEXT, isRunning(active));
    const shown = isRunning(active) ? active : [...this.captures.values()].reverse().find(isRunning);
    if (shown) {
      const spinning = shown.state === 'stopping' ? '$(loading~spin)' : '$(record)';
      this.statusItem.text = `${spinning} ${shown.label} · ${plural(shown.packets, 'packet')} · ${plural(shown.findings, 'finding')}`;
      this.statusItem.tooltip = `Wirelens is capturing on ${shown.label} (${Math.round(shown.elapsedSeconds)} s). Click to stop.`;
      this.statusItem.command = { title: 'Stop Live Capture', command: Commands.stopLiveCapture, arguments: [{ capture: shown.capture }] };
      this.statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      this.statusItem.show();
    } else if (this.activeCapture) {
      this.statusItem.text = '$(record) Live Capture';
      this.statusItem.tooltip = 'Wirelens: start a live capture on an interface or a capture source';
      this.statusItem.command = Commands.startLiveCapture;
      this.statusItem.backgroundColor = undefined;
      this.statusItem.show();
    } else {
      this.statusItem.hide();
    }
  }

  /** Starts a capture (asking what and how unless `args` says) and opens it; returns its file. */
  async start(args?: StartLiveCaptureArgs): Promise<string | undefined> {
    const request = args && (args.interface || args.source) ? this.fromArgs(args) : await this.ask();
    if (!request) return undefined;
    let status: LiveCaptureStatus;
    try {
      const client = await this.client.get();
      status = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Wirelens: starting the capture…', cancellable: true },
        (_progress, token) => client.sendRequest(StartLiveCaptureRequest.type, request, token),
      );
    } catch (error) {
      void this.showError(error);
      return undefined;
    }
    this.captures.set(status.capture, status);
    this.refresh();
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(status.capture), CAPTURE_VIEW_TYPE, { preview: false });
    return status.capture;
  }

  private fromArgs(args: StartLiveCaptureArgs): { source: LiveCaptureSource; limits: CaptureLimits } | undefined {
    let limits: CaptureLimits = {};
    if (typeof args.limits === 'string') {
      const parsed = parseCaptureLimits(args.limits);
      if ('error' in parsed) {
        void vscode.window.showErrorMessage(`Wirelens: ${parsed.error}`);
        return undefined;
      }
      limits = parsed.limits;
    } else if (args.limits) {
      limits = args.limits;
    }
    if (args.interface) return { source: { kind: 'interface', interface: args.interface, ...(args.filter ? { filter: args.filter } : {}) }, limits };
    const configured = configuredSources().find((source) => source.name === args.source);
    if (!configured) {
      void vscode.window.showErrorMessage(`Wirelens: there is no capture source named "${args.source}" in the ${SETTINGS_SECTION}.${CAPTURE_SOURCES_SETTING} setting.`);
      return undefined;
    }
    return { source: { kind: 'command', name: configured.name, argv: configured.command }, limits };
  }

  /** Interface or source, then (for an interface) the capture filter, then the limits. */
  private async ask(): Promise<{ source: LiveCaptureSource; limits: CaptureLimits } | undefined> {
    const picked = await this.pickSource();
    if (!picked) return undefined;
    let source = picked;
    if (source.kind === 'interface') {
      const filter = await this.askFilter(source.interface);
      if (filter === undefined) return undefined;
      source = { ...source, ...(filter ? { filter } : {}) };
    }
    const limits = await vscode.window.showInputBox({
      title: 'Wirelens: Start Live Capture (3/3) — limits',
      prompt: 'Stop after… (optional): a duration, a packet count and/or a size, such as 60s, 10000 packets, 50 MB. Empty: until you stop it.',
      placeHolder: 'no limit',
      validateInput: (text) => {
        const parsed = parseCaptureLimits(text);
        return 'error' in parsed ? parsed.error : undefined;
      },
    });
    if (limits === undefined) return undefined;
    const parsed = parseCaptureLimits(limits);
    return 'error' in parsed ? undefined : { source, limits: parsed.limits };
  }

  private async pickSource(): Promise<LiveCaptureSource | undefined> {
    const quickPick = vscode.window.createQuickPick<SourcePick>();
    quickPick.title = 'Wirelens: Start Live Capture (1/3) — interface or capture source';
    quickPick.placeholder = 'Pick an interface (dumpcap -D) or a capture source from the wirelens.captureSources setting';
    quickPick.busy = true;
    const sources: SourcePick[] = configuredSources().map((source) => ({
      label: `$(remote) ${source.name}`,
      description: source.description ?? source.command.join(' '),
      source: { kind: 'command', name: source.name, argv: source.command },
    }));
    const configure: SourcePick = { label: '$(gear) Add a capture source…', description: 'a command whose stdout is pcap/pcapng (ssh HOST tcpdump -U -w -)', configure: true };
    const separator = (label: string): SourcePick => ({ label, kind: vscode.QuickPickItemKind.Separator });
    quickPick.items = [separator('Capture sources'), ...sources, configure];
    quickPick.show();
    void this.client
      .get()
      .then((client) => client.sendRequest(CaptureInterfacesRequest.type, undefined))
      .then(
        (interfaces) => {
          const items: SourcePick[] = interfaces.map((iface) => ({
            label: `${iface.loopback ? '$(sync)' : '$(plug)'} ${iface.name}`,
            description: iface.description,
            detail: iface.addresses.length ? iface.addresses.join(', ') : undefined,
            iface,
          }));
          quickPick.items = [separator('Interfaces'), ...items, separator('Capture sources'), ...sources, configure];
        },
        (error: Error) => {
          quickPick.items = [separator(`Interfaces: ${error.message}`), separator('Capture sources'), ...sources, configure];
        },
      )
      .finally(() => (quickPick.busy = false));
    const chosen = await new Promise<SourcePick | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]));
      quickPick.onDidHide(() => resolve(undefined));
    });
    quickPick.dispose();
    if (chosen?.configure) {
      await vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting: { key: `${SETTINGS_SECTION}.${CAPTURE_SOURCES_SETTING}`, edit: true } });
      return undefined;
    }
    if (chosen?.iface) return { kind: 'interface', interface: chosen.iface.name };
    return chosen?.source;
  }

  /** The capture filter, checked by the server (dumpcap compiles it) as it is typed; errors show under the box. */
  private async askFilter(iface: string): Promise<string | undefined> {
    const client = await this.client.get();
    const box = vscode.window.createInputBox();
    box.title = `Wirelens: Start Live Capture (2/3) — capture filter on ${iface}`;
    box.prompt = 'Capture filter in BPF syntax (optional), such as "tcp port 80" or "host 10.0.0.5 and tcp". Empty: everything.';
    box.placeholder = 'no filter';
    let checked = { text: '', error: undefined as string | undefined };
    let pending: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const check = (text: string): Promise<void> => {
      box.busy = true;
      pending = client
        .sendRequest(CheckCaptureFilterRequest.type, { interface: iface, filter: text })
        .then(
          (result) => {
            if (box.value !== text) return;
            checked = { text, error: result.error };
            box.validationMessage = result.error ? { message: result.error, severity: vscode.InputBoxValidationSeverity.Error } : undefined;
          },
          (error: Error) => {
            checked = { text, error: error.message };
            box.validationMessage = { message: error.message, severity: vscode.InputBoxValidationSeverity.Error };
          },
        )
        .finally(() => (box.busy = false));
      return pending;
    };
    box.onDidChangeValue((text) => {
      clearTimeout(timer);
      timer = setTimeout(() => void check(text), 300);
    });
    box.show();
    const result = await new Promise<string | undefined>((resolve) => {
      box.onDidAccept(async () => {
        clearTimeout(timer);
        if (checked.text !== box.value) await check(box.value);
        else await pending;
        if (!checked.error) resolve(box.value.trim());
      });
      box.onDidHide(() => resolve(undefined));
    });
    clearTimeout(timer);
    box.dispose();
    return result;
  }

  private resolveCapture(args: CaptureTargetArgs | undefined, running: boolean): string | undefined {
    if (args?.capture) return args.capture;
    if (this.activeCapture && (!running || isRunning(this.captures.get(this.activeCapture)))) return this.activeCapture;
    const candidates = [...this.captures.values()].filter((status) => !running || isRunning(status));
    return candidates.length > 0 ? candidates[candidates.length - 1].capture : undefined;
  }

  /** Stops a capture (the active editor's, else the latest); returns its final status. */
  async stop(args?: CaptureTargetArgs): Promise<LiveCaptureStatus | undefined> {
    const capture = this.resolveCapture(args, true);
    if (!capture) {
      void vscode.window.showInformationMessage('Wirelens: no live capture is running.');
      return undefined;
    }
    try {
      const client = await this.client.get();
      const final = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Wirelens: stopping the capture' }, () =>
        client.sendRequest(StopLiveCaptureRequest.type, { capture }),
      );
      if (this.captures.has(capture)) this.captures.set(capture, final);
      this.refresh();
      return final;
    } catch (error) {
      void this.showError(error);
      return undefined;
    }
  }

  /** Copies a capture (a stopped live one, or any capture file) elsewhere, then shows the copy instead. */
  async saveAs(args?: CaptureTargetArgs): Promise<vscode.Uri | undefined> {
    const capture = this.resolveCapture(args, false);
    if (!capture) {
      void vscode.window.showInformationMessage('Wirelens: open a capture to save it.');
      return undefined;
    }
    if (isRunning(this.captures.get(capture))) {
      const stopAndSave = 'Stop and Save As…';
      const choice = args?.destination ? stopAndSave : await vscode.window.showWarningMessage('Wirelens: the capture is still running. Stop it to save it?', stopAndSave);
      if (choice !== stopAndSave || !(await this.stop({ capture }))) return undefined;
    }
    const destination = args?.destination
      ? args.destination.includes('://') ? vscode.Uri.parse(args.destination) : vscode.Uri.file(args.destination)
      : await vscode.window.showSaveDialog({
          title: 'Save Capture As',
          defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()), path.basename(capture)),
          filters: { 'pcapng capture': ['pcapng'] },
        });
    if (!destination) return undefined;
    try {
      await this.copy(capture, destination);
    } catch (error) {
      void this.showError(error);
      return undefined;
    }
    // The copy is now the capture this editor shows, as with any Save As; the temporary file goes.
    await vscode.commands.executeCommand('vscode.openWith', destination, CAPTURE_VIEW_TYPE, { preview: false });
    // Tabs are looked up after opening: opening replaces the Tab objects of the group.
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputCustom && tab.input.uri.fsPath === capture);
    await vscode.window.tabGroups.close(tabs);
    return destination;
  }

  /** What Save As writes; VS Code's own Save As (the custom editor's saveAs) comes here too. */
  async copy(capture: string, destination: vscode.Uri): Promise<void> {
    if (isRunning(this.captures.get(capture))) throw new Error('Stop the live capture before saving it.');
    await vscode.workspace.fs.copy(vscode.Uri.file(capture), destination, { overwrite: true });
  }

  private async showError(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const openSettings = 'Open Settings';
    const actions = /tshark was not found|dumpcap was not found|wirelens\.captureSources/.test(message) ? [openSettings] : [];
    const choice = await vscode.window.showErrorMessage(`Wirelens: ${message}`, ...actions);
    if (choice === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', 'wirelens');
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
