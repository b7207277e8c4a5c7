/**
 * The real language server (dist/server.js) over stdio, as a client runs it, for tests that
 * speak LSP to it. Not a test file: bundled into each test that imports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  InitializedNotification,
  InitializeRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { REPO_ROOT } from '../../live/support';

export interface RunningServer {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
}

export async function startServer(): Promise<RunningServer> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.onError(() => undefined);
  connection.onClose(() => undefined);
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification(InitializedNotification.type, {});
  return { child, connection };
}
