/**
 * Live capture in a real VS Code, driven through its commands (arguments skip the quick picks):
 * dumpcap and tshark on `lo`, an origin on 127.0.0.1 answering like the incident's /wrong
 * endpoint, a client requesting it over and over. Findings must reach the Problems panel
 * (languages.getDiagnostics) within 1 s of the packet; the saved file must reopen with the same
 * findings; stopping and closing the editor must leave no capture process.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LiveCaptureStatus } from '../../../protocol/model';
import { parseStreamUri } from '../../../protocol/streamUri';
import { assertWithinOneSecond, median, processesWith, requestRepeatedly, startIncidentOrigin, waitForNoProcesses, type Origin } from '../../live/support';

const LIVE_FINDINGS = 5;

/** Resolves with `probe()`'s first defined value, checked now and after each `event`. */
function when<T>(event: vscode.Event<unknown>, probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const now = probe();
    if (now !== undefined) return resolve(now);
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const listener = event(() => {
      const found = probe();
      if (found === undefined) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(found);
    });
  });
}

/** Diagnostics of one capture's stream documents, by stream number. */
function streamDiagnostics(capture: string): Map<number, vscode.Diagnostic[]> {
  const byStream = new Map<number, vscode.Diagnostic[]>();
  for (const [uri, list] of vscode.languages.getDiagnostics()) {
    const ref = parseStreamUri(uri.toString());
    if (ref?.capture === capture && ref.mode === 'http' && list.length > 0) byStream.set(ref.stream, list);
  }
  return byStream;
}

const summary = (d: vscode.Diagnostic) =>
  `${typeof d.code === 'object' ? d.code.value : d.code} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;

function captureTabs(capture: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputCustom && tab.input.uri.fsPath === capture);
}

describe('Live capture on lo', function () {
  this.timeout(90_000);
  let origin: Origin;
  let capture: string;
  let liveDiagnostics: Map<number, vscode.Diagnostic[]>;

  before(async () => {
    origin = await startIncidentOrigin();
  });

  after(async () => {
    // Whatever failed, closing the editors ends their captures; none may outlive the suite.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const left = await waitForNoProcesses(path.join(os.tmpdir(), 'wirelens-live-'), 10_000);
    await origin.close();
    assert.deepEqual(left, [], 'no capture process outlives the suite');
  });

  it('shows each finding in the Problems panel within 1 s of the packet that completed the response', async () => {
    const appeared = new Map<number, number>();
    const watch = vscode.languages.onDidChangeDiagnostics(() => {
      if (!capture) return;
      for (const stream of streamDiagnostics(capture).keys()) if (!appeared.has(stream)) appeared.set(stream, Date.now());
    });
    try {
      const started = await vscode.commands.executeCommand<string | undefined>('wirelens.startLiveCapture', { interface: 'lo', filter: `tcp port ${origin.port}` });
      assert.ok(started, 'the command returns the capture file');
      capture = started;
      assert.equal(captureTabs(capture).length, 1, 'the capture opens in the Wirelens capture editor');
      const running = processesWith(path.dirname(capture));
      assert.ok(running.some((p) => /\bdumpcap\b/.test(p)) && running.some((p) => /\btshark\b/.test(p)), `dumpcap and tshark run:\n${running.join('\n')}`);

      const client = requestRepeatedly(origin.port, 250);
      try {
        await when(vscode.languages.onDidChangeDiagnostics, () => (streamDiagnostics(capture).size >= LIVE_FINDINGS ? true : undefined), 30_000, `${LIVE_FINDINGS} streams with diagnostics`);
      } finally {
        await client.stop();
      }
      // Request i is tcp.stream i (the capture filter keeps only this origin's connections).
      const latencies = [...Array(LIVE_FINDINGS).keys()].map((stream) => appeared.get(stream)! - client.times[stream]);
      console.log(
        `      packet → Problems panel over ${latencies.length} live findings: median ${median(latencies).toFixed(0)} ms, worst ${Math.max(...latencies).toFixed(0)} ms ` +
          `(${latencies.map((l) => l.toFixed(0)).join(', ')})`,
      );
      for (const latency of latencies) assert.ok(latency >= 0, 'a diagnostic before its response arrived?');
      assertWithinOneSecond(latencies);

      const diagnostics = streamDiagnostics(capture);
      const [first] = diagnostics.get(0)!;
      assert.equal(typeof first.code === 'object' ? first.code.value : first.code, 'duplicate-transfer-encoding');
      const streamZero = vscode.languages
        .getDiagnostics()
        .map(([uri]) => uri)
        .find((uri) => parseStreamUri(uri.toString())?.capture === capture && parseStreamUri(uri.toString())?.stream === 0);
      assert.ok(streamZero);
      const document = await vscode.workspace.openTextDocument(streamZero);
      assert.equal(document.getText(first.range), 'transfer-encoding: chunked', 'the live diagnostic covers the offending header line');
    } finally {
      watch.dispose();
    }
  });

  it('stops from the command: every capture process ends and the pcapng file is complete', async () => {
    const final = await vscode.commands.executeCommand<LiveCaptureStatus | undefined>('wirelens.stopLiveCapture', { capture });
    assert.equal(final?.state, 'stopped', final?.message);
    assert.deepEqual(processesWith(path.dirname(capture)), [], 'no tshark or dumpcap is left once stopped');
    assert.equal(fs.readFileSync(capture).readUInt32LE(0), 0x0a0d0d0a, 'pcapng');
    liveDiagnostics = streamDiagnostics(capture);
    assert.ok(liveDiagnostics.size >= LIVE_FINDINGS);
  });

  it('Save As keeps the capture, which reopens with the same findings; the temporary file goes', async () => {
    const workspace = vscode.workspace.workspaceFolders![0].uri;
    const destination = vscode.Uri.joinPath(workspace, 'saved-live-capture.pcapng');
    const saved = await vscode.commands.executeCommand<vscode.Uri | undefined>('wirelens.saveCaptureAs', { capture, destination: destination.fsPath });
    assert.equal(saved?.fsPath, destination.fsPath);
    assert.equal(captureTabs(destination.fsPath).length, 1, 'the saved file is open in the capture editor');
    assert.equal(captureTabs(capture).length, 0, 'the temporary capture’s editor is replaced');
    // Discarding deletes the temporary directory, then clears the diagnostics.
    await when(vscode.languages.onDidChangeDiagnostics, () => (streamDiagnostics(capture).size === 0 ? true : undefined), 10_000, 'the temporary capture’s diagnostics to go');
    assert.equal(fs.existsSync(path.dirname(capture)), false, 'the temporary directory is deleted');

    // Follow each stream of the saved file: its diagnostics are the live ones, range for range.
    for (const [stream, live] of liveDiagnostics) {
      await vscode.commands.executeCommand('wirelens.followHttpStream', { capture: destination.fsPath, stream });
      const reopened = await when(vscode.languages.onDidChangeDiagnostics, () => streamDiagnostics(destination.fsPath).get(stream), 30_000, `diagnostics of stream ${stream} of the saved file`);
      assert.deepEqual(reopened.map(summary), live.map(summary), `stream ${stream}`);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reads a pipe source from wirelens.captureSources; closing its editor ends the capture', async () => {
    const marker = `tcp port ${origin.port}`;
    const settings = vscode.workspace.getConfiguration('wirelens');
    await settings.update('captureSources', [{ name: 'lo via dumpcap', command: ['dumpcap', '-i', 'lo', '-f', marker, '-w', '-'] }], vscode.ConfigurationTarget.Global);
    try {
      const pipe = await vscode.commands.executeCommand<string | undefined>('wirelens.startLiveCapture', { source: 'lo via dumpcap' });
      assert.ok(pipe);
      assert.ok(processesWith(marker).some((p) => /^\d+ dumpcap /.test(p)), 'the configured command runs, as an argv');
      const client = requestRepeatedly(origin.port, 250);
      try {
        await when(vscode.languages.onDidChangeDiagnostics, () => (streamDiagnostics(pipe).size >= 2 ? true : undefined), 30_000, 'two findings from the pipe source');
      } finally {
        await client.stop();
      }
      await vscode.window.tabGroups.close(captureTabs(pipe));
      assert.deepEqual(await waitForNoProcesses(marker, 10_000), [], 'closing the editor ends the pipe command');
      assert.deepEqual(await waitForNoProcesses(path.dirname(pipe), 10_000), [], 'and tshark');
      await when(vscode.languages.onDidChangeDiagnostics, () => (streamDiagnostics(pipe).size === 0 ? true : undefined), 10_000, 'its diagnostics to be cleared');
      assert.equal(fs.existsSync(path.dirname(pipe)), false, 'the unsaved temporary capture is deleted');
    } finally {
      await settings.update('captureSources', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
