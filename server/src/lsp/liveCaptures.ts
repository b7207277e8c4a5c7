/**
 * The language server's live captures: started and stopped on request, reported to the client
 * on every update, and their findings published as diagnostics on each stream's HTTP document
 * (`wirelens-stream:…/stream-N.http`) so they are in the Problems panel as they appear, whether
 * or not the document is open. A capture stays here after it ends, until its editor is closed
 * (discard) or the server shuts down: both delete its temporary directory.
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { StartLiveCaptureParams, StopLiveCaptureParams } from '../../../protocol/lspProtocol';
import type { LiveCaptureStatus } from '../../../protocol/model';
import { formatStreamUri } from '../../../protocol/streamUri';
import type { CaptureAnalysis, StreamAnalysis } from '../analysis/analyzeCapture';
import { renderStreamDocument, type RenderedStream } from '../document/renderStreamDocument';
import { LiveSession } from '../live/liveSession';
import { LiveCapture } from '../tshark/liveCapture';
import { toDiagnostics } from './diagnostics';

export interface LiveCaptureSink {
  status(status: LiveCaptureStatus): void;
  diagnostics(uri: string, diagnostics: Diagnostic[]): void;
  /** A stream's documents changed: drop cached renderings (`http` is the fresh one, when rendered). */
  streamChanged(capture: string, stream: number, http?: { uri: string; rendered: RenderedStream; analysis: StreamAnalysis }): void;
}

export class LiveCaptures {
  private readonly sessions = new Map<string, LiveSession>();
  /** Stream-document URIs with published diagnostics, per capture. */
  private readonly published = new Map<string, Set<string>>();
  /** What was last published per stream, per capture: findings as text. */
  private readonly signatures = new Map<string, Map<number, string>>();

  constructor(private readonly sink: LiveCaptureSink) {}

  async start(params: StartLiveCaptureParams, tsharkPath: string | undefined, signal?: AbortSignal): Promise<LiveCaptureStatus> {
    const session = await LiveSession.start(params.source, params.limits ?? {}, {
      tsharkPath,
      signal,
      onStatus: (status, changed) => {
        this.publish(status.capture, changed);
        this.sink.status(status);
      },
    });
    this.sessions.set(session.file, session);
    return session.status();
  }

  /** The analysis so far, while `capture` is being captured; undefined once it is a plain file. */
  snapshot(capture: string): CaptureAnalysis | undefined {
    const session = this.sessions.get(capture);
    return session?.running ? session.snapshot() : undefined;
  }

  /** Whether these diagnostics belong to a live capture (and must outlive the document's closing). */
  owns(uri: string): boolean {
    for (const uris of this.published.values()) if (uris.has(uri)) return true;
    return false;
  }

  async stop({ capture, discard }: StopLiveCaptureParams): Promise<LiveCaptureStatus | undefined> {
    const session = this.sessions.get(capture);
    if (!session) {
      // A capture of a server that died: closed unsaved, its temporary file still goes.
      if (discard) await LiveCapture.discardOrphan(capture);
      return undefined;
    }
    const final = discard ? await this.discard(session) : await session.stop();
    return final;
  }

  /** Ends every capture and deletes every temporary directory (server shutdown). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => this.discard(session)));
  }

  private async discard(session: LiveSession): Promise<LiveCaptureStatus> {
    await session.discard();
    this.sessions.delete(session.file);
    for (const uri of this.published.get(session.file) ?? []) this.sink.diagnostics(uri, []);
    this.published.delete(session.file);
    this.signatures.delete(session.file);
    return session.done;
  }

  /**
   * Diagnostics of a stream are rendered and sent again only when its findings change: a stream
   * that merely grows keeps its findings where they are (new exchanges go below them), and
   * re-rendering every busy stream on every update would cost more than the analysis.
   */
  private publish(capture: string, changed: readonly StreamAnalysis[]): void {
    const session = this.sessions.get(capture);
    let uris = this.published.get(capture);
    let signatures = this.signatures.get(capture);
    if (!signatures) this.signatures.set(capture, (signatures = new Map()));
    for (const analysis of changed) {
      const stream = analysis.connection.stream;
      const uri = formatStreamUri({ capture, stream, mode: 'http' });
      const signature = analysis.findings.map((f) => `${f.ruleId}|${f.direction}|${f.offset}|${f.length}|${f.message}`).join('\n');
      if (signature === (signatures.get(stream) ?? '')) {
        this.sink.streamChanged(capture, stream);
        continue;
      }
      signatures.set(stream, signature);
      const rendered = renderStreamDocument(capture, 'http', analysis);
      const others = { capture, stream: (id: number) => session?.stream(id) };
      this.sink.diagnostics(uri, toDiagnostics(uri, rendered, analysis.findings, others));
      this.sink.streamChanged(capture, stream, { uri, rendered, analysis });
      if (!uris) this.published.set(capture, (uris = new Set()));
      uris.add(uri);
    }
  }
}
