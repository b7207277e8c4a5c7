/** The catalogue: the only place rules are registered. */
import type { RuleInfo } from '../../../protocol/model';
import { bareCr } from './bare-cr';
import { bareLf } from './bare-lf';
import { bodyOnBodilessResponse } from './body-on-bodiless-response';
import { chunkExtensionAbuse } from './chunk-extension-abuse';
import { clAndTe } from './cl-and-te';
import { conflictingContentLength } from './conflicting-content-length';
import { contentLengthMismatch } from './content-length-mismatch';
import { duplicateContentLength } from './duplicate-content-length';
import { duplicateHost } from './duplicate-host';
import { duplicateTransferEncoding } from './duplicate-transfer-encoding';
import { h2ConnectionSpecificHeader } from './h2-connection-specific-header';
import { h2ContentLengthMismatch } from './h2-content-length-mismatch';
import { h2Goaway } from './h2-goaway';
import { h2InvalidPseudoHeader } from './h2-invalid-pseudo-header';
import { h2StreamReset } from './h2-stream-reset';
import { h2UppercaseHeaderName } from './h2-uppercase-header-name';
import { headerSectionTooLarge } from './header-section-too-large';
import { incompleteMessage } from './incomplete-message';
import { invalidChunkSize } from './invalid-chunk-size';
import { invalidContentLength } from './invalid-content-length';
import { invalidHeaderName } from './invalid-header-name';
import { invalidHeaderValue } from './invalid-header-value';
import { invalidRequestLine } from './invalid-request-line';
import { invalidStatusLine } from './invalid-status-line';
import { invalidTrailer } from './invalid-trailer';
import { mergeVerdicts } from './measuredVerdicts';
import { missingHost } from './missing-host';
import { missingLastChunk } from './missing-last-chunk';
import type { Rule } from './rule';
import { connectionCloseReuse } from './connection-close-reuse';
import { obsFold } from './obs-fold';
import { proxyGeneratedError } from './proxy-generated-error';
import { responseWithoutRequest } from './response-without-request';
import { spaceBeforeColon } from './space-before-colon';
import { tcpOverlapConflict } from './tcp-overlap-conflict';
import { tcpRstMidMessage } from './tcp-rst-mid-message';
import { tcpZeroWindow } from './tcp-zero-window';
import { teChunkedTwice } from './te-chunked-twice';
import { teNotChunked } from './te-not-chunked';
import { unknownHttpVersion } from './unknown-http-version';

/** The rules as written in their files (cited and observed verdicts). */
const WRITTEN_RULES: readonly Rule[] = [
  duplicateTransferEncoding,
  clAndTe,
  teChunkedTwice,
  teNotChunked,
  conflictingContentLength,
  duplicateContentLength,
  invalidContentLength,
  contentLengthMismatch,
  invalidChunkSize,
  chunkExtensionAbuse,
  missingLastChunk,
  invalidTrailer,
  incompleteMessage,
  bodyOnBodilessResponse,
  responseWithoutRequest,
  connectionCloseReuse,
  tcpRstMidMessage,
  tcpZeroWindow,
  tcpOverlapConflict,
  spaceBeforeColon,
  obsFold,
  bareLf,
  bareCr,
  invalidHeaderName,
  invalidHeaderValue,
  invalidRequestLine,
  invalidStatusLine,
  unknownHttpVersion,
  headerSectionTooLarge,
  missingHost,
  duplicateHost,
  proxyGeneratedError,
  h2ConnectionSpecificHeader,
  h2UppercaseHeaderName,
  h2InvalidPseudoHeader,
  h2ContentLengthMismatch,
  h2StreamReset,
  h2Goaway,
];

/** Every rule, with the verdicts measured by test/verdicts/ (verdicts.generated.json) merged into its own. */
export const ALL_RULES: readonly Rule[] = WRITTEN_RULES.map((rule): Rule => ({ ...rule, verdicts: mergeVerdicts(rule.id, rule.verdicts) }));

/** The catalogue without its functions, as sent to the extension and written by the CLI. */
export function ruleInfos(): RuleInfo[] {
  return ALL_RULES.map(({ check: _check, scope: _scope, ...info }) => info);
}

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.id === id);
}
