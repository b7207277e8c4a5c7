/**
 * A catalogue rule is data (RuleInfo: id, title, RFC section, verdicts) plus one pure function
 * from a parsed message to the byte ranges that break it. Severity overrides, stream ids and
 * frames are added by the analysis, not by rules.
 */
import type { RelatedBytes, RuleInfo } from '../../../protocol/model';
import type { HeaderField, HttpMessage } from '../http/httpMessage';
import { escapeLatin1 } from '../text/escapeBytes';

export interface RuleHit {
  /** Offset/length in the direction's reassembled bytes. */
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly related?: readonly RelatedBytes[];
}

export interface Rule extends RuleInfo {
  check(message: HttpMessage): RuleHit[];
}

/** The bytes of a field's line(s), terminator excluded: what a finding on a header covers. */
export function fieldRange(field: HeaderField): { offset: number; length: number } {
  const lastLine = field.continuations[field.continuations.length - 1] ?? field.line;
  return { offset: field.line.offset, length: lastLine.offset + lastLine.length - field.line.offset };
}

/** How a field line reads in a message (`Transfer-Encoding: Chunked`), wire bytes escaped. */
export function describeField(field: HeaderField): string {
  return escapeLatin1(`${field.rawName}: ${field.value}`);
}
