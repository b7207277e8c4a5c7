/** The only place findings become LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { Finding, Severity } from '../../../protocol/model';
import { formatStreamUri } from '../../../protocol/streamUri';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import { renderStreamDocument, type RenderedStream } from '../document/renderStreamDocument';
import { ruleById } from '../rules';

export const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function findingRange(rendered: RenderedStream, finding: Pick<Finding, 'direction' | 'offset' | 'length'>): Range {
  return {
    start: rendered.locate(finding.direction, finding.offset),
    end: rendered.locate(finding.direction, finding.offset + finding.length),
  };
}

/**
 * The rest of the capture, for related bytes in another stream (a proxy's 502 points at the
 * upstream exchange behind it): that stream's document is rendered to place the range.
 */
export interface OtherStreams {
  /** The capture file, for the other stream's `wirelens-stream:` URI. */
  readonly capture: string;
  stream(id: number): StreamAnalysis | undefined;
}

export function toDiagnostics(uri: string, rendered: RenderedStream, findings: readonly Finding[], others?: OtherStreams): Diagnostic[] {
  const documents = new Map<number, { uri: string; rendered: RenderedStream } | undefined>();
  const documentOf = (stream: number) => {
    if (!documents.has(stream)) {
      const analysis = others?.stream(stream);
      documents.set(
        stream,
        others && analysis
          ? { uri: formatStreamUri({ capture: others.capture, stream, mode: 'http' }), rendered: renderStreamDocument(others.capture, 'http', analysis) }
          : undefined,
      );
    }
    return documents.get(stream);
  };
  return findings.map((finding) => {
    const rule = ruleById(finding.ruleId);
    return {
      range: findingRange(rendered, finding),
      severity: SEVERITY[finding.severity],
      source: 'wirelens',
      code: finding.ruleId,
      ...(rule ? { codeDescription: { href: rule.rfc.url } } : {}),
      message: finding.message,
      relatedInformation: (finding.related ?? []).flatMap((related) => {
        const range = { direction: related.direction ?? finding.direction, offset: related.offset, length: related.length };
        if (related.stream === undefined || related.stream === finding.stream) {
          return [{ location: { uri, range: findingRange(rendered, range) }, message: related.message }];
        }
        // Another stream: without its analysis there is no right place to point at, so leave it out.
        const other = documentOf(related.stream);
        return other ? [{ location: { uri: other.uri, range: findingRange(other.rendered, range) }, message: related.message }] : [];
      }),
    };
  });
}
