/**
 * SARIF 2.1.0 for code-scanning UIs and CI. A finding's location is logical (stream, direction,
 * byte range of the reassembled payload) because file offsets of the capture would not help a
 * reader; the exact fields are also kept in `properties` for tools.
 */
import type { RuleInfo, Severity } from '../../../protocol/model';
import type { CaptureAnalysis } from '../analysis/analyzeCapture';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export function formatSarif(file: string, analysis: CaptureAnalysis, rules: readonly RuleInfo[], toolVersion: string): object {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Wirelens',
            version: toolVersion,
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.title,
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.description },
              helpUri: rule.rfc.url,
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: { rfc: `${rule.rfc.document} §${rule.rfc.section}`, verdicts: rule.verdicts },
            })),
          },
        },
        // Warnings (a capture cut short or damaged: results are partial) as the run's notifications.
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: analysis.summary.warnings.map((warning) => ({ level: 'warning', message: { text: warning } })),
          },
        ],
        artifacts: [{ location: { uri: file } }],
        results: analysis.findings.map((finding) => ({
          ruleId: finding.ruleId,
          ruleIndex: ruleIndex.get(finding.ruleId) ?? -1,
          level: LEVEL[finding.severity],
          message: { text: finding.message },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: file, index: 0 } },
              logicalLocations: [
                {
                  name: `tcp.stream ${finding.stream} ${finding.direction} bytes ${finding.offset}-${finding.offset + finding.length}`,
                  kind: 'member',
                },
              ],
            },
          ],
          properties: {
            stream: finding.stream,
            direction: finding.direction,
            offset: finding.offset,
            length: finding.length,
            frame: finding.frame,
          },
        })),
      },
    ],
  };
}
