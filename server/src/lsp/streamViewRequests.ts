/**
 * The stream view and the conversation exports as LSP requests (protocol/lspProtocol.ts):
 * wiring only; the work is in document/streamView.ts, export/ and tshark/. server.ts calls
 * registerStreamViewRequests once with what these need from it.
 */
import * as fs from 'node:fs/promises';
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import {
  ExchangeTextRequest,
  ExportHarRequest,
  ExportObjectsRequest,
  ExportPcapngRequest,
  ExportProgressNotification,
  OpenInWiresharkRequest,
  StreamViewRequest,
  WiresharkAvailableRequest,
} from '../../../protocol/lspProtocol';
import type { ConversationQuery } from '../../../protocol/model';
import type { CaptureAnalysis, StreamAnalysis } from '../analysis/analyzeCapture';
import { buildStreamView } from '../document/streamView';
import { exchangeText } from '../export/exchangeText';
import { buildHar } from '../export/har';
import { exportHttpObjects } from '../export/httpObjects';
import { exportStreamsAsPcapng } from '../tshark/exportPcapng';
import { findOnPath, openInWireshark } from '../tshark/wireshark';

export interface StreamViewServices {
  openCapture(capture: string, token?: CancellationToken): Promise<CaptureAnalysis>;
  tsharkPath(): Promise<string | undefined>;
  /** The streams the conversation table shows for `query`, in table order. */
  streamsShown(capture: string, analysis: CaptureAnalysis, query: ConversationQuery | undefined, token: CancellationToken): Promise<number[]>;
  abortSignalFor(token: CancellationToken): AbortSignal | undefined;
  /** Runs `work`; a failure reaches the client as one sentence. */
  answer<T>(work: () => Promise<T>): Promise<T>;
}

/** Set by esbuild (package.json's version): the HAR's creator version. */
declare const WIRELENS_VERSION: string;

export function registerStreamViewRequests(connection: Connection, services: StreamViewServices): void {
  const { answer } = services;
  const streamOf = async (capture: string, stream: number, token?: CancellationToken): Promise<StreamAnalysis> => {
    const analysis = await services.openCapture(capture, token);
    const found = analysis.streams.get(stream);
    if (!found) throw new Error(`${capture} has no TCP stream ${stream}.`);
    return found;
  };

  connection.onRequest(StreamViewRequest.type, ({ capture, stream }, token) =>
    answer(async () => buildStreamView(capture, await streamOf(capture, stream, token))),
  );

  connection.onRequest(ExchangeTextRequest.type, ({ capture, stream, exchange }, token) =>
    answer(async () => exchangeText(await streamOf(capture, stream, token), exchange)),
  );

  connection.onRequest(ExportHarRequest.type, ({ capture, stream, exchange, output }, token) =>
    answer(async () => {
      const har = await buildHar(await streamOf(capture, stream, token), { exchange, creatorVersion: WIRELENS_VERSION });
      await fs.writeFile(output, JSON.stringify(har, null, 2) + '\n');
      return { output, entries: har.log.entries.length };
    }),
  );

  connection.onRequest(ExportObjectsRequest.type, ({ capture, stream, exchange, folder }, token) =>
    answer(async () => exportHttpObjects(await streamOf(capture, stream, token), folder, exchange)),
  );

  connection.onRequest(ExportPcapngRequest.type, ({ capture, streams, query, output }, token) =>
    answer(async () => {
      const analysis = await services.openCapture(capture, token);
      const chosen = streams ?? (await services.streamsShown(capture, analysis, query, token));
      let lastSent = 0;
      const packets = await exportStreamsAsPcapng(capture, chosen, output, {
        tsharkPath: await services.tsharkPath(),
        signal: services.abortSignalFor(token),
        totalFrames: analysis.index?.frames,
        onProgress: (written, fraction) => {
          if (Date.now() - lastSent < 100) return;
          lastSent = Date.now();
          void connection.sendNotification(ExportProgressNotification.type, { output, packets: written, fraction });
        },
      });
      return { output, packets, streams: chosen.length };
    }),
  );

  connection.onRequest(WiresharkAvailableRequest.type, async () => (await findOnPath('wireshark')) !== undefined);

  connection.onRequest(OpenInWiresharkRequest.type, ({ capture, stream }) => answer(async () => ({ wireshark: await openInWireshark(capture, stream) })));
}
