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
  DisplayFilterRequest,
  EmbedTlsKeysRequest,
  ExchangesRequest,
  FindingLocationRequest,
  FindingsRequest,
  LiveCaptureNotification,
  LoadProgressNotification,
  OpenCaptureRequest,
  RulesRequest,
  ScanUpdateNotification,
  StartLiveCaptureRequest,
  StopLiveCaptureRequest,
  StreamTextRequest,
  AnalyzeCaptureRequest,
  CurlRequest,
  RuleDocumentationRequest,
} from '../../protocol/lspProtocol';
import type { Finding } from '../../protocol/model';
import { formatStreamUri, parseStreamUri } from '../../protocol/streamUri';
import type { CaptureAnalysis } from './analysis/analyzeCapture';
import { exchangeDetails } from './analysis/exchangeDetails';
import { renderStreamDocument, type RenderedStream } from './document/renderStreamDocument';
import { CaptureStore } from './lsp/captureStore';
import { findingRange, toDiagnostics } from './lsp/diagnostics';
import { hoverAt } from './lsp/hover';
import { LiveCaptures } from './lsp/liveCaptures';
import { registerStreamViewRequests } from './lsp/streamViewRequests';
import { toResponseError } from './lsp/responseError';
import { overrideDiagnostics, withOverriddenCounts } from './lsp/ruleOverrides';
import { applyRuleOverrides, parseRuleOverrides, type RuleOverrides } from './rules/ruleSettings';
import { codeActions } from './lsp/codeActions';
import { documentSymbols } from './lsp/documentSymbols';
import { copyAsCurl } from './export/copyAsCurl';
import { ruleSection } from './cli/formatRulesMarkdown';
import { ScanUpdates, STREAM_UPDATES_FROM_BYTES } from './lsp/scanUpdates';
import { ruleInfos } from './rules';
import { checkCaptureFilter, listCaptureInterfaces } from './tshark/liveCapture';
import { startChildReaper } from './tshark/processGuard';
import { injectTlsSecrets } from './tshark/tlsRecords';

const connection = createConnection(ProposedFeatures.all);
// However this server ends (a SIGKILL included), the tshark it started ends with it.
startChildReaper();
const documents = new TextDocuments(TextDocument);
const captures = new CaptureStore();
/** Rendered stream documents by URI, with the findings shown on them. */
const streamDocuments = new Map<string, { rendered: RenderedStream; findings: readonly Finding[] }>();
let canReadConfiguration = false;
const live = new LiveCaptures({
  status: (status) => void connection.sendNotification(LiveCaptureNotification.type, status),
  diagnostics: (uri, diagnostics) => void ruleOverrides().then((overrides) => connection.sendDiagnostics({ uri, diagnostics: overrideDiagnostics(diagnostics, overrides) })),
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
      documentSymbolProvider: { label: 'Wirelens' },
      codeActionProvider: true,
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

/** The wirelens.rules setting: rules turned off or given another severity. */
async function ruleOverrides(): Promise<RuleOverrides> {
  if (!canReadConfiguration) return new Map();
  const settings = (await connection.workspace.getConfiguration('wirelens')) as { rules?: unknown } | null;
  return parseRuleOverrides(settings?.rules);
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
  // Rows and findings reach the editor while the scan runs, not only at its end.
  const updates = new ScanUpdates((update) => void connection.sendNotification(ScanUpdateNotification.type, { capture, ...update }));
  try {
    let lastSent = 0;
    const tlsKeyLogFile = await tlsKeyLogFor(capture);
    let streaming = false;
    const overrides = await ruleOverrides(); // findings streamed during the scan are shown as configured too
    const analysis = await captures.open(capture, {
      tsharkPath: await tsharkPath(),
      ...(tlsKeyLogFile ? { tlsKeyLogFile } : {}),
      signal: abortSignalFor(token),
      onConversations: (conversations, fileSize) => {
        streaming = fileSize >= STREAM_UPDATES_FROM_BYTES;
        if (streaming) updates.indexing(conversations.length);
      },
      onIndex: (index) => {
        streaming = index.size >= STREAM_UPDATES_FROM_BYTES;
        if (streaming) updates.indexed(index.conversations.length);
      },
      onFindings: (findings) => streaming && updates.found(applyRuleOverrides(findings, overrides)),
      onProgress: (packets, fraction) => {
        if (updates.closed) return;
        const now = Date.now();
        if (now - lastSent < 100 && fraction < 1) return;
        lastSent = now;
        void connection.sendNotification(LoadProgressNotification.type, { capture, packets, fraction });
      },
    });
    updates.flush();
    return analysis;
  } catch (error) {
    // A cancelled wait: the shared run may go on a moment (or for another caller), silently here.
    updates.close();
    throw toResponseError(error, await tsharkPath());
  }
}

connection.onRequest(OpenCaptureRequest.type, async ({ capture }, token) => {
  const { summary, findings } = await openCapture(capture, token);
  return { ...summary, findings: applyRuleOverrides(findings, await ruleOverrides()).length };
});

connection.onRequest(ConversationsRequest.type, (params, token) =>
  answer(async () => {
    const { capture, start, count, query } = params;
    // Settings are asked for (a round trip to the client) only when a display filter needs tshark.
    const tshark = query?.displayFilter?.trim() ? { tsharkPath: await tsharkPath() } : {};
    const signal = abortSignalFor(token);
    // While a pcap/pcapng is scanned, its index already answers (rows fill in when the scan ends);
    // a page of a capture still being read joins that load directly.
    const analysis = captures.inFlight(capture) ?? openCapture(capture, token);
    const early = await captures.pageBeforeDone(capture, analysis, start, count, query, signal, tshark);
    if (early) {
      analysis.catch(() => undefined);
      return early;
    }
    const finished = await analysis;
    return withOverriddenCounts(await captures.page(capture, finished, start, count, query, signal, tshark), finished.findings, await ruleOverrides());
  }),
);

connection.onRequest(DisplayFilterRequest.type, ({ capture, expression }, token) =>
  answer(async () => {
    const outcome = await captures.displayFilter(capture, expression, { tsharkPath: await tsharkPath(), signal: abortSignalFor(token) });
    return 'error' in outcome ? { error: outcome.error } : { matchedStreams: outcome.streams.size };
  }),
);

connection.onRequest(ExchangesRequest.type, ({ capture, stream }, token) =>
  answer(async () => {
    const analysis = openCapture(capture, token);
    const analysed = await captures.stream(capture, analysis, stream);
    analysis.catch(() => undefined);
    if (!analysed) throw new Error(`${capture} has no TCP stream ${stream}.`);
    return exchangeDetails(analysed);
  }),
);

connection.onRequest(FindingLocationRequest.type, ({ capture, finding }) =>
  answer(async () => {
    const uri = formatStreamUri({ capture, stream: finding.stream, mode: 'http' });
    const { rendered } = await renderStream(uri);
    return { uri, range: findingRange(rendered, finding) };
  }),
);

connection.onRequest(FindingsRequest.type, async ({ capture }, token) => applyRuleOverrides((await openCapture(capture, token)).findings, await ruleOverrides()));

connection.onRequest(RulesRequest.type, () => ruleInfos());

/** Runs `work`, turning its failure into a ResponseError whose message is the one sentence users read. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toResponseError(error, await tsharkPath());
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
    diagnosed.add(uri);
    await connection.sendDiagnostics({ uri, diagnostics: toDiagnostics(uri, rendered, applyRuleOverrides(findings, await ruleOverrides()), others) });
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
  if (analyzedCaptures.has(parseStreamUri(document.uri)?.capture ?? '')) return; // so do Analyze Capture's
  diagnosed.delete(document.uri);
  void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
});

connection.onHover(async ({ textDocument, position }) => {
  const entry = streamDocuments.get(textDocument.uri);
  return entry ? hoverAt(entry.rendered, applyRuleOverrides(entry.findings, await ruleOverrides()), position) : null;
});

//#region workbench: outline, code actions, Analyze Capture, Copy as curl, rule documentation
/** Captures analysed with Analyze Capture: their stream documents keep their diagnostics when closed. */
const analyzedCaptures = new Set<string>();
/** Stream documents whose diagnostics the client holds (open ones, and Analyze Capture's). */
const diagnosed = new Set<string>();

connection.onDocumentSymbol(async ({ textDocument }) => {
  if (!parseStreamUri(textDocument.uri)) return null;
  const { rendered } = await renderStream(textDocument.uri);
  return documentSymbols(rendered.text, rendered.outline);
});

connection.onCodeAction(async ({ textDocument, range, context }) => {
  const ref = parseStreamUri(textDocument.uri);
  if (!ref) return null;
  const { rendered } = await renderStream(textDocument.uri);
  return codeActions(ref, rendered.outline, range, context.diagnostics);
});

connection.onRequest(CurlRequest.type, ({ capture, stream, exchange }, token) =>
  answer(async () => {
    const analysed = (await openCapture(capture, token)).streams.get(stream);
    if (!analysed) throw new Error(`${capture} has no TCP stream ${stream}.`);
    return copyAsCurl(analysed, exchange);
  }),
);

connection.onRequest(RuleDocumentationRequest.type, ({ ruleId }) =>
  answer(async () => {
    const rule = ruleInfos().find((info) => info.id === ruleId);
    if (!rule) throw new Error(`Wirelens has no rule "${ruleId}".`);
    return ruleSection(rule).join('\n');
  }),
);

/** Findings of a whole capture into the Problems panel: diagnostics on each stream document that has some. */
connection.onRequest(AnalyzeCaptureRequest.type, ({ capture }, token) =>
  answer(async () => {
    const analysis = await openCapture(capture, token);
    const findings = applyRuleOverrides(analysis.findings, await ruleOverrides());
    analyzedCaptures.add(capture);
    const streams = [...new Set(findings.map((finding) => finding.stream))].sort((a, b) => a - b);
    const uris = streams.map((stream) => formatStreamUri({ capture, stream, mode: 'http' }));
    for (const uri of uris) {
      if (token.isCancellationRequested) break;
      await publishStreamDiagnostics(uri);
      if (!documents.get(uri)) streamDocuments.delete(uri); // rendered only to place ranges: not kept
    }
    return { summary: { ...analysis.summary, findings: findings.length }, findings: findings.length, documents: uris };
  }),
);

// wirelens.rules changed: every diagnosed document is diagnosed again (rules turned off disappear).
connection.onDidChangeConfiguration(async () => {
  for (const uri of [...diagnosed]) {
    await publishStreamDiagnostics(uri);
    if (!documents.get(uri)) streamDocuments.delete(uri);
  }
});
//#endregion

registerStreamViewRequests(connection, {
  openCapture,
  tsharkPath,
  abortSignalFor,
  answer,
  streamsShown: async (capture, analysis, query, token) =>
    (await captures.page(capture, analysis, 0, Number.MAX_SAFE_INTEGER, query, abortSignalFor(token), { tsharkPath: await tsharkPath() })).rows.map((row) => row.stream),
});

documents.listen(connection);
connection.listen();
