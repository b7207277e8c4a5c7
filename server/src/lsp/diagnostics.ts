/** The only place findings become LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { Finding, Severity } from '../../../protocol/model';
import type { RenderedStream } from '../document/renderStreamDocument';
import { ruleById } from '../rules';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
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

export function toDiagnostics(uri: string, rendered: RenderedStream, findings: readonly Finding[]): Diagnostic[] {
  return findings.map((finding) => {
    const rule = ruleById(finding.ruleId);
    return {
      range: findingRange(rendered, finding),
      severity: SEVERITY[finding.severity],
      source: 'wirelens',
      code: finding.ruleId,
      ...(rule ? { codeDescription: { href: rule.rfc.url } } : {}),
      message: finding.message,
      relatedInformation: (finding.related ?? []).map((related) => ({
        location: { uri, range: findingRange(rendered, { direction: finding.direction, ...related }) },
        message: related.message,
      })),
    };
  });
}
