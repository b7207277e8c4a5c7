/** Runs the catalogue over one parsed conversation and locates each hit on the wire. */
import type { Direction, Finding } from '../../../protocol/model';
import type { HttpConversation } from '../http/httpConversation';
import type { HttpMessage } from '../http/httpMessage';
import { directionOf, frameAt, type TcpConnection } from '../tcp/tcpReassembler';
import type { Rule } from '../rules/rule';

export function directionOfMessage(message: HttpMessage): Direction {
  return message.kind === 'request' ? 'client-to-server' : 'server-to-client';
}

export function findRuleViolations(connection: TcpConnection, http: HttpConversation, rules: readonly Rule[]): Finding[] {
  const findings: Finding[] = [];
  for (const message of [...http.requests, ...http.responses]) {
    const direction = directionOfMessage(message);
    for (const rule of rules) {
      for (const hit of rule.check(message)) {
        findings.push({
          ruleId: rule.id,
          severity: rule.severity,
          message: hit.message,
          stream: connection.stream,
          direction,
          offset: hit.offset,
          length: hit.length,
          frame: frameAt(directionOf(connection, direction), hit.offset),
          ...(hit.related ? { related: hit.related } : {}),
        });
      }
    }
  }
  return findings.sort((a, b) => a.frame - b.frame || a.offset - b.offset);
}
