/**
 * No tshark outlives the language server, however it ends: VS Code closing it (shutdown + exit),
 * SIGTERM, or SIGKILL (a crash, the OOM killer: no handler runs). The server (dist/server.js over
 * stdio, as a client runs it) reads a capture only tshark can read, and is ended while tshark is
 * reading; the test waits for tshark to be gone and says how long that took.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitNotification, ShutdownRequest } from 'vscode-languageserver-protocol/node';
import { DisplayFilterRequest, OpenCaptureRequest } from '../../../protocol/lspProtocol';
import { CAPTURE_TOOLS, describeProcesses, processTable, waitUntilAny, waitUntilNone } from '../../live/processTable';
import { writeTsharkOnlyCapture } from '../../live/tsharkOnlyCapture';
import { startServer, type RunningServer } from './languageServer';

describe('language server children', function () {
  this.timeout(60_000);
  let scratch: string;
  let capture: string;
  /** Larger, for a tshark that must still be reading when the server is killed. */
  let large: string;
  let server: RunningServer | undefined;
  const readers = () => processTable().filter((p) => CAPTURE_TOOLS.has(p.name) && p.argv.includes(capture));

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-server-children-'));
    capture = writeTsharkOnlyCapture(path.join(scratch, 'slow.cap'), 24_000_000, 11).file;
    large = writeTsharkOnlyCapture(path.join(scratch, 'large.cap'), 80_000_000, 12).file;
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

  it('SIGKILL while a quiet tshark runs (a display filter that keeps nothing writes nothing): it is gone at once too', async () => {
    server = await startServer();
    const s = server;
    // tshark -Y never writes here, so a dead server's pipe would not stop it (it would read on for
    // seconds): the child reaper (processGuard.ts) must.
    const filtering = s.connection.sendRequest(DisplayFilterRequest.type, { capture: large, expression: 'http.request.uri contains "no-such-path"' });
    filtering.catch(() => undefined);
    const quiet = () => processTable().filter((p) => p.name === 'tshark' && p.argv.includes(large) && p.argv.includes('-Y'));
    const during = await waitUntilAny(quiet, 20_000, 'tshark -Y reading the capture');
    await new Promise((resolve) => setTimeout(resolve, 500)); // past the reaper's first look
    const exited = new Promise((resolve) => s.child.once('exit', resolve));
    s.child.kill('SIGKILL');
    await exited;
    const { left, ms } = await waitUntilNone(quiet, 10_000);
    console.log(`      quiet tshark: ${during.length} before, gone ${ms} ms after the server was killed`);
    assert.deepEqual(describeProcesses(left), []);
    assert.ok(ms < 2000, `tshark outlived the server by ${ms} ms`);
  });

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
