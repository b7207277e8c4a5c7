/** Runs one rule on an HTTP/2 connection scripted as client and server bytes (after the TCP handshake). */
import type { Finding } from '../../../protocol/model';
import type { Rule } from '../../../server/src/rules/rule';
import { PREFACE, SETTINGS } from '../http2/h2Bytes';
import { connectionOf, runRuleOn } from './ruleTestKit';

export function runH2Rule(rule: Rule, client: string, server = ''): Finding[] {
  return runRuleOn(rule, connectionOf([{ from: 'client', data: PREFACE + client }, { from: 'server', data: SETTINGS + server }]));
}

/** The latin1 bytes a finding covers, from the same scripted bytes. */
export function covered(finding: Finding, client: string, server = ''): string {
  const bytes = finding.direction === 'client-to-server' ? PREFACE + client : SETTINGS + server;
  return bytes.slice(finding.offset, finding.offset + finding.length);
}
