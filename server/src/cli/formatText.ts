/** Compiler-style text output: location, severity, message, rule; then the line with a marker. */
import type { Finding } from '../../../protocol/model';
import type { CaptureAnalysis } from '../analysis/analyzeCapture';
import { directionOf, frameAt } from '../tcp/tcpReassembler';
import { tlsHeading } from '../document/tlsHeading';
import { escapeBytes } from '../text/escapeBytes';

/** The line of `bytes` holding [offset, offset + length), escaped, with a caret marker under the range. */
export function markedLine(bytes: Uint8Array, offset: number, length: number): [string, string] {
  let start = offset;
  while (start > 0 && bytes[start - 1] !== 0x0a) start--;
  let end = offset;
  while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end++;
  const markEnd = Math.min(offset + Math.max(length, 1), end);
  const { text, columns } = escapeBytes(bytes.subarray(start, end));
  const from = columns[offset - start] ?? text.length;
  const to = columns[markEnd - start] ?? text.length;
  return [text, ' '.repeat(from) + '^'.repeat(Math.max(1, to - from))];
}

export function formatFinding(file: string, analysis: CaptureAnalysis, finding: Finding): string {
  const stream = analysis.streams.get(finding.stream);
  const carrier = finding.tlsRecord ? `frame ${finding.frame}, TLS record ${finding.tlsRecord.index}, decrypted` : `frame ${finding.frame}`;
  const head = `${file}:stream ${finding.stream}:${finding.direction}+${finding.offset} (${carrier}): ${finding.severity}: ${finding.message} [${finding.ruleId}]`;
  if (!stream) return head;
  const [line, marker] = markedLine(directionOf(stream.connection, finding.direction).bytes, finding.offset, finding.length);
  return [`${head}\n    ${line}\n    ${marker}`, ...otherStreams(file, analysis, finding)].join('\n');
}

/** Related bytes in other streams (a proxy's 502 and the upstream exchange behind it), each with its line. */
function otherStreams(file: string, analysis: CaptureAnalysis, finding: Finding): string[] {
  return (finding.related ?? [])
    .filter((related) => related.stream !== undefined && related.stream !== finding.stream)
    .flatMap((related) => {
      const direction = related.direction ?? finding.direction;
      const other = analysis.streams.get(related.stream!);
      const bytes = other ? directionOf(other.connection, direction) : undefined;
      const where = `${file}:stream ${related.stream}:${direction}+${related.offset}${bytes ? ` (frame ${frameAt(bytes, related.offset)})` : ''}`;
      const head = `  related: ${where}: ${related.message}`;
      if (!bytes) return [head];
      const [line, marker] = markedLine(bytes.bytes, related.offset, related.length);
      return [`${head}\n      ${line}\n      ${marker}`];
    });
}

export function formatText(file: string, analysis: CaptureAnalysis): string {
  const { summary, findings } = analysis;
  const lines = findings.map((finding) => formatFinding(file, analysis, finding));
  // TLS conversations: what the handshake says, and whether the HTTP inside was read.
  for (const row of analysis.conversations) {
    if (row.tls) lines.push(`${file}:stream ${row.stream}: ${tlsHeading({ facts: row.tls }).join('; ')}`);
  }
  const affected = new Set(findings.map((f) => f.stream)).size;
  lines.push(
    `${findings.length} finding${findings.length === 1 ? '' : 's'} in ${affected} of ${summary.conversations} TCP conversation${summary.conversations === 1 ? '' : 's'} (${summary.packets} TCP packets, tshark ${summary.tsharkVersion}).`,
  );
  return lines.join('\n') + '\n';
}
