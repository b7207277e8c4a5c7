/**
 * The language server (dist/server.js over stdio, as a client would run it) doing live capture
 * on `lo` for real: updates and diagnostics while packets flow, the saved file afterwards, and
 * no capture process left when VS Code closes (shutdown + exit) or when the server is killed.
 * The server runs with its own TMPDIR, whose path is in the argv of every capture process.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createProtocolConnection,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import {
  ConversationsRequest,
  FindingsRequest,
  LiveCaptureNotification,
  OpenCaptureRequest,
  StartLiveCaptureRequest,
  StopLiveCaptureRequest,
} from '../../../protocol/lspProtocol';
import type { LiveCaptureStatus } from '../../../protocol/model';
import { parseStreamUri } from '../../../protocol/streamUri';
import { processesWith, REPO_ROOT, requestRepeatedly, startIncidentOrigin, waitForNoProcesses, type Origin } from '../../live/support';

interface Server {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
  readonly statuses: LiveCaptureStatus[];
  readonly diagnostics: Map<string, Diagnostic[]>;
  /** Resolves once `test` holds (checked on every notification), bounded. */
  until(test: () => boolean, timeoutMs: number, what: string): Promise<void>;
  readonly exited: Promise<number | null>;
}

async function startServer(tmpdir: string): Promise<Server> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'server.js'), '--stdio'], {
    env: { ...process.env, TMPDIR: tmpdir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const statuses: LiveCaptureStatus[] = [];
  const diagnostics = new Map<string, Diagnostic[]>();
  const waiters = new Set<() => void>();
  connection.onNotification(LiveCaptureNotification.type, (status) => {
    statuses.push(status);
    for (const wake of waiters) wake();
  });
  connection.onNotification(PublishDiagnosticsNotification.type, ({ uri, diagnostics: list }) => {
    diagnostics.set(uri, list);
    for (const wake of waiters) wake();
  });
  connection.onError(() => undefined);
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification(InitializedNotification.type, {});
  const until = (test: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, connection, statuses, diagnostics, until, exited };
}

describe('language server live capture', function () {
  this.timeout(60_000);
  let origin: Origin;
  let scratch: string;
  let server: Server | undefined;

  beforeEach(async () => {
    origin = await startIncidentOrigin();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-server-live-'));
  });

  afterEach(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    server = undefined;
    const left = await waitForNoProcesses(scratch, 10_000);
    await origin.close();
    fs.rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(left, [], 'no capture process outlives its test');
  });

  const start = (s: Server) =>
    s.connection.sendRequest(StartLiveCaptureRequest.type, { source: { kind: 'interface', interface: 'lo', filter: `tcp port ${origin.port}` } });

  it('publishes findings while capturing, then serves the saved file with the same findings, and discards it', async () => {
    server = await startServer(scratch);
    const s = server;
    const started = await start(s);
    assert.equal(started.state, 'capturing');
    assert.ok(started.capture.startsWith(scratch), `the capture file is in the server's TMPDIR: ${started.capture}`);

    const client = requestRepeatedly(origin.port, 150);
    try {
      await s.until(() => s.statuses.reduce((n, status) => n + status.newFindings.length, 0) >= 3, 20_000, 'three live findings');
    } finally {
      await client.stop();
    }
    // Problems: each stream's HTTP document has its diagnostic, published without being opened.
    await s.until(() => [...s.diagnostics.values()].filter((list) => list.length > 0).length >= 3, 5000, 'diagnostics on three streams');
    const [uri, [diagnostic]] = [...s.diagnostics.entries()].find(([, list]) => list.length > 0)!;
    assert.equal(parseStreamUri(uri)?.capture, started.capture);
    assert.equal(diagnostic.code, 'duplicate-transfer-encoding');

    // While capturing, requests answer from the live analysis.
    const rows = await s.connection.sendRequest(ConversationsRequest.type, { capture: started.capture, start: 0, count: 100 });
    assert.ok(rows.total >= 3);
    assert.equal(rows.rows[0].exchanges[0].target, '/wrong');
    const liveFindings = await s.connection.sendRequest(FindingsRequest.type, { capture: started.capture });

    const final = await s.connection.sendRequest(StopLiveCaptureRequest.type, { capture: started.capture });
    assert.equal(final.state, 'stopped');
    assert.deepEqual(final.statistics && { dropped: final.statistics.dropped }, { dropped: 0 });
    assert.deepEqual(processesWith(scratch), [], 'stopping ends every capture process');
    assert.equal(s.statuses[s.statuses.length - 1].state, 'stopped', 'the last notification says so');

    // Now a plain file: the same findings as live (and maybe later streams the last update added).
    const summary = await s.connection.sendRequest(OpenCaptureRequest.type, { capture: started.capture });
    assert.equal(summary.findings, final.findings);
    const fromFile = await s.connection.sendRequest(FindingsRequest.type, { capture: started.capture });
    assert.deepEqual(fromFile.slice(0, liveFindings.length), liveFindings);

    await s.connection.sendRequest(StopLiveCaptureRequest.type, { capture: started.capture, discard: true });
    assert.equal(fs.existsSync(path.dirname(started.capture)), false, 'discarding deletes the temporary directory');
    assert.deepEqual(s.diagnostics.get(uri), [], 'and clears its diagnostics');
  });

  it('ends every capture process and deletes unsaved captures when VS Code closes (shutdown, exit)', async () => {
    server = await startServer(scratch);
    const started = await start(server);
    assert.ok(processesWith(scratch).length >= 3, 'guard, dumpcap and tshark are running');
    await server.connection.sendRequest(ShutdownRequest.type);
    await server.connection.sendNotification(ExitNotification.type);
    await server.exited;
    assert.deepEqual(await waitForNoProcesses(scratch, 5000), []);
    assert.equal(fs.existsSync(started.capture), false);
  });

  it('ends every capture process when the server is killed', async () => {
    server = await startServer(scratch);
    await start(server);
    await start(server); // two at once
    assert.ok(processesWith(scratch).length >= 6, processesWith(scratch).join('\n'));
    server.child.kill('SIGKILL');
    await server.exited;
    assert.deepEqual(await waitForNoProcesses(scratch, 5000), []);
  });
});
