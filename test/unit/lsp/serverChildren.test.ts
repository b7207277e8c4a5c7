/**
 * No tshark outlives the language server, however it ends: VS Code closing it (shutdown + exit),
 * SIGTERM, or SIGKILL (a crash, the OOM killer: no handler runs). The server (dist/server.js over
 * stdio, as a client runs it) reads a capture only tshark can read, and is ended while tshark is
 * reading; the test waits for tshark to be gone and says how long that took.
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
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { OpenCaptureRequest } from '../../../protocol/lspProtocol';
import { CAPTURE_TOOLS, describeProcesses, processTable, waitUntilAny, waitUntilNone } from '../../live/processTable';
import { REPO_ROOT } from '../../live/support';
import { writeTsharkOnlyCapture } from '../../live/tsharkOnlyCapture';

async function startServer(): Promise<{ child: ChildProcess; connection: ProtocolConnection }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.onError(() => undefined);
  connection.onClose(() => undefined);
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification(InitializedNotification.type, {});
  return { child, connection };
}

describe('language server children', function () {
  this.timeout(60_000);
  let scratch: string;
  let capture: string;
  let server: { child: ChildProcess; connection: ProtocolConnection } | undefined;
  const readers = () => processTable().filter((p) => CAPTURE_TOOLS.has(p.name) && p.argv.includes(capture));

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-server-children-'));
    capture = writeTsharkOnlyCapture(path.join(scratch, 'slow.cap'), 24_000_000, 11).file;
  });

  afterEach(() => {
    if (server?.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    server?.connection.dispose();
    server = undefined;
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const ends: Array<[string, (s: NonNullable<typeof server>) => Promise<void>]> = [
    ['shutdown + exit (VS Code closing)', async (s) => {
      await s.connection.sendRequest(ShutdownRequest.type);
      await s.connection.sendNotification(ExitNotification.type);
    }],
    ['SIGTERM', async (s) => void s.child.kill('SIGTERM')],
    ['SIGKILL', async (s) => void s.child.kill('SIGKILL')],
  ];

  for (const [how, end] of ends) {
    it(`${how} while tshark reads a capture: tshark is gone too`, async () => {
      server = await startServer();
      const s = server;
      const load = s.connection.sendRequest(OpenCaptureRequest.type, { capture });
      load.catch(() => undefined);
      const during = await waitUntilAny(readers, 20_000, `tshark reading ${capture}`);
      const exited = new Promise((resolve) => s.child.once('exit', resolve));
      await end(s);
      await exited;
      const { left, ms } = await waitUntilNone(readers, 10_000);
      console.log(`      ${how}: ${during.length} tshark before, gone ${ms} ms after the server exited`);
      assert.deepEqual(describeProcesses(left), []);
    });
  }
});
