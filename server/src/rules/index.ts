/** The catalogue: the only place rules are registered. */
import type { RuleInfo } from '../../../protocol/model';
import { clAndTe } from './cl-and-te';
import { duplicateTransferEncoding } from './duplicate-transfer-encoding';
import type { Rule } from './rule';
import { connectionCloseReuse } from './connection-close-reuse';
import { responseWithoutRequest } from './response-without-request';
import { tcpOverlapConflict } from './tcp-overlap-conflict';
import { tcpRstMidMessage } from './tcp-rst-mid-message';
import { tcpZeroWindow } from './tcp-zero-window';

export const ALL_RULES: readonly Rule[] = [
  duplicateTransferEncoding,
  clAndTe,
  responseWithoutRequest,
  connectionCloseReuse,
  tcpRstMidMessage,
  tcpZeroWindow,
  tcpOverlapConflict,
];

/** The catalogue without its functions, as sent to the extension and written by the CLI. */
export function ruleInfos(): RuleInfo[] {
  return ALL_RULES.map(({ check: _check, scope: _scope, ...info }) => info);
}

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((rule) => rule.id === id);
}
