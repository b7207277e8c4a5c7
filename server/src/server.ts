/**
 * The Wirelens language server: connection, capabilities and handler wiring only (the
 * analysis lives in analysis/, the LSP shapes in lsp/). Started by the extension's language
 * client over Node IPC.
 */
import {
  createConnection,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AttachTlsKeyLogRequest,
  CaptureInterfacesRequest,
  CheckCaptureFilterRequest,
  ConversationsRequest,
  EmbedTlsKeysRequest,
  FindingsRequest,
  LiveCaptureNotification,
  LoadProgressNotification,
  OpenCaptureRequest,
  RulesRequest,
  StartLiveCaptureRequest,
  StopLiveCaptureRequest,
  StreamTextRequest,
} from '../../protocol/lspProtocol';
import type { Finding } from '../../protocol/model';
import { parseStreamUri } from '../../protocol/streamUri';
import type { CaptureAnalysis } from './analysis/analyzeCapture';
import { renderStreamDocument, type RenderedStream } from './document/renderStreamDocument';
import { CaptureStore } from './lsp/captureStore';
import { toDiagnostics } from './lsp/diagnostics';
import { hoverAt } from './lsp/hover';
import { LiveCaptures } from './lsp/liveCaptures';
import { ruleInfos } from './rules';
import { checkCaptureFilter, listCaptureInterfaces } from './tshark/liveCapture';
import { injectTlsSecrets } from './tshark/tlsRecords';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const captures = new CaptureStore();
/** Rendered stream documents by URI, with the findings shown on them. */
const streamDocuments = new Map<string, { rendered: RenderedStream; findings: readonly Finding[] }>();
let canReadConfiguration = false;
const live = new LiveCaptures({
  status: (status) => void connection.sendNotification(LiveCaptureNotification.type, status),
  diagnostics: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
  streamChanged: (capture, stream, http) => {
    for (const uri of [...streamDocuments.keys()]) {
      const ref = parseStreamUri(uri);
      if (ref?.capture !== capture || ref.stream !== stream) continue;
      if (ref.mode === 'http' && http) streamDocuments.set(uri, { rendered: http.rendered, findings: http.analysis.findings });
      else streamDocuments.delete(uri);
    }
  },
});

connection.onInitialize((params) => {
  canReadConfiguration = params.capabilities.workspace?.configuration === true;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.None },
      hoverProvider: true,
    },
    serverInfo: { name: 'wirelens' },
  };
});

/** Settings are read per use (never cached in globals), so changes apply to the next capture. */
async function tsharkPath(): Promise<string | undefined> {
  if (!canReadConfiguration) return undefined;
  const settings = (await connection.workspace.getConfiguration('wirelens')) as { tsharkPath?: string } | null;
  return settings?.tsharkPath || undefined;
}

/** Key logs attached to captures with Wirelens: Attach TLS Key Log… (the extension remembers them per workspace). */
const attachedKeyLogs = new Map<string, string>();

/** The key log for a capture: the one attached to it, else the wirelens.tlsKeyLogFile setting. */
async function tlsKeyLogFor(capture: string): Promise<string | undefined> {
  const attached = attachedKeyLogs.get(capture);
  if (attached) return attached;
  if (!canReadConfiguration) return undefined;
  const settings = (await connection.workspace.getConfiguration('wirelens')) as { tlsKeyLogFile?: string } | null;
  return settings?.tlsKeyLogFile?.trim() || undefined;
}

function abortSignalFor(token: CancellationToken | undefined): AbortSignal | undefined {
  if (!token) return undefined;
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Errors reach the client as one sentence (ResponseError's message), never a stack. */
async function openCapture(capture: string, token?: CancellationToken): Promise<CaptureAnalysis> {
  const capturing = live.snapshot(capture);
  if (capturing) return capturing;
  try {
    let lastSent = 0;
    const tlsKeyLogFile = await tlsKeyLogFor(capture);
    return await captures.open(capture, {
      tsharkPath: await tsharkPath(),
      ...(tlsKeyLogFile ? { tlsKeyLogFile } : {}),
      signal: abortSignalFor(token),
      onProgress: (packets, fraction) => {
        const now = Date.now();
        if (now - lastSent < 100 && fraction < 1) return;
        lastSent = now;
        void connection.sendNotification(LoadProgressNotification.type, { capture, packets, fraction });
      },
    });
  } catch (error) {
    throw new ResponseError(1, error instanceof Error ? error.message : String(error));
  }
}

connection.onRequest(OpenCaptureRequest.type, async ({ capture }, token) => (await openCapture(capture, token)).summary);

connection.onRequest(ConversationsRequest.type, async ({ capture, start, count }, token) => {
  // While a pcap/pcapng is scanned, its index already answers (rows fill in when the scan ends).
  const analysis = openCapture(capture, token);
  const early = await captures.pageBeforeDone(capture, analysis, start, count);
  if (early) {
    analysis.catch(() => undefined);
    return early;
  }
  const { conversations } = await analysis;
  return { total: conversations.length, start, rows: conversations.slice(start, start + count) };
});

connection.onRequest(FindingsRequest.type, async ({ capture }, token) => (await openCapture(capture, token)).findings);

connection.onRequest(RulesRequest.type, () => ruleInfos());

/** Runs `work`, turning its failure into a ResponseError whose message is the one sentence users read. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ResponseError(1, error instanceof Error ? error.message : String(error));
  }
}

connection.onRequest(CaptureInterfacesRequest.type, () => answer(async () => listCaptureInterfaces({ tsharkPath: await tsharkPath() })));

connection.onRequest(CheckCaptureFilterRequest.type, ({ interface: iface, filter }) =>
  answer(async () => {
    const error = await checkCaptureFilter(iface, filter, { tsharkPath: await tsharkPath() });
    return error ? { error } : {};
  }),
);

connection.onRequest(StartLiveCaptureRequest.type, (params, token) => answer(async () => live.start(params, await tsharkPath(), abortSignalFor(token))));

connection.onRequest(StopLiveCaptureRequest.type, (params) =>
  answer(async () => {
    const final = await live.stop(params);
    if (!final) throw new Error(`${params.capture} is not a live capture of this session.`);
    return final;
  }),
);

// VS Code is closing (or restarting the server): end every capture and delete unsaved ones.
connection.onShutdown(() => live.shutdown());

async function renderStream(uri: string): Promise<{ rendered: RenderedStream; findings: readonly Finding[] }> {
  const cached = streamDocuments.get(uri);
  if (cached) return cached;
  const ref = parseStreamUri(uri);
  if (!ref) throw new ResponseError(2, `${uri} is not a Wirelens stream address.`);
  const analysis = await openCapture(ref.capture);
  const stream = analysis.streams.get(ref.stream);
  if (!stream) throw new ResponseError(3, `${ref.capture} has no TCP stream ${ref.stream}.`);
  const entry = { rendered: renderStreamDocument(ref.capture, ref.mode, stream), findings: stream.findings };
  streamDocuments.set(uri, entry);
  return entry;
}

connection.onRequest(StreamTextRequest.type, async ({ uri }) => (await renderStream(uri)).rendered.text);

async function publishStreamDiagnostics(uri: string): Promise<void> {
  try {
    const { rendered, findings } = await renderStream(uri);
    const capture = parseStreamUri(uri)!.capture;
    const { streams } = await openCapture(capture);
    const others = { capture, stream: (id: number) => streams.get(id) };
    await connection.sendDiagnostics({ uri, diagnostics: toDiagnostics(uri, rendered, findings, others) });
  } catch (error) {
    connection.console.error(`Could not diagnose ${uri}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

documents.onDidOpen(async ({ document }) => {
  if (!parseStreamUri(document.uri)) return;
  await publishStreamDiagnostics(document.uri);
});

connection.onRequest(AttachTlsKeyLogRequest.type, ({ capture, keyLog, reanalyze }, token) =>
  answer(async () => {
    if (keyLog) attachedKeyLogs.set(capture, keyLog);
    else attachedKeyLogs.delete(capture);
    if (reanalyze === false) return null;
    // Documents of this capture are rendered again from the new analysis, with new diagnostics.
    for (const uri of [...streamDocuments.keys()]) if (parseStreamUri(uri)?.capture === capture) streamDocuments.delete(uri);
    const { summary } = await openCapture(capture, token);
    for (const document of documents.all()) if (parseStreamUri(document.uri)?.capture === capture) await publishStreamDiagnostics(document.uri);
    return summary;
  }),
);

connection.onRequest(EmbedTlsKeysRequest.type, ({ capture, keyLog, output }, token) =>
  answer(async () => {
    await injectTlsSecrets(capture, keyLog, output, { tsharkPath: await tsharkPath(), signal: abortSignalFor(token) });
    return { output };
  }),
);

documents.onDidClose(({ document }) => {
  if (!streamDocuments.delete(document.uri)) return;
  if (live.owns(document.uri)) return; // a live capture's findings stay in the Problems panel
  void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
});

connection.onHover(({ textDocument, position }) => {
  const entry = streamDocuments.get(textDocument.uri);
  return entry ? hoverAt(entry.rendered, entry.findings, position) : null;
});

documents.listen(connection);
connection.listen();
