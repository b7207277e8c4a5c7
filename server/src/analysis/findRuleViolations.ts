/** Runs the catalogue over one parsed conversation and locates each hit on the wire. */
import type { ConversationSummary, Direction, Finding } from '../../../protocol/model';
import type { HttpConversation, HttpExchange } from '../http/httpConversation';
import type { HttpMessage } from '../http/httpMessage';
import type { AnalysedStream, Rule, RuleHit } from '../rules/rule';
import { directionOf, frameAt, type TcpConnection } from '../tcp/tcpReassembler';

export function directionOfMessage(message: HttpMessage): Direction {
  return message.kind === 'request' ? 'client-to-server' : 'server-to-client';
}

/** Each message with the exchange it belongs to (a response without a request gets its own). */
function messagesWithExchanges(http: HttpConversation): { message: HttpMessage; exchange: HttpExchange }[] {
  const pairs: { message: HttpMessage; exchange: HttpExchange }[] = [];
  for (const exchange of http.exchanges) {
    if (exchange.request) pairs.push({ message: exchange.request, exchange });
    for (const interim of exchange.interim) pairs.push({ message: interim, exchange });
    if (exchange.response) pairs.push({ message: exchange.response, exchange });
  }
  return pairs;
}

function locate(connection: TcpConnection, rule: Rule, direction: Direction, hit: RuleHit): Finding {
  return {
    ruleId: rule.id,
    severity: hit.severity ?? rule.severity,
    message: hit.message,
    stream: connection.stream,
    direction,
    offset: hit.offset,
    length: hit.length,
    frame: frameAt(directionOf(connection, direction), hit.offset),
    ...(hit.related ? { related: hit.related } : {}),
  };
}

function byPosition(a: Finding, b: Finding): number {
  return a.stream - b.stream || a.frame - b.frame || a.offset - b.offset || a.ruleId.localeCompare(b.ruleId);
}

/** Message- and connection-scope rules on one connection. */
export function findRuleViolations(connection: TcpConnection, http: HttpConversation, rules: readonly Rule[]): Finding[] {
  const findings: Finding[] = [];
  const messages = messagesWithExchanges(http);
  for (const rule of rules) {
    if (rule.scope === 'capture') continue;
    if (rule.scope === 'connection') {
      for (const hit of rule.check({ connection, http })) findings.push(locate(connection, rule, hit.direction, hit));
      continue;
    }
    for (const { message, exchange } of messages) {
      const direction = directionOfMessage(message);
      const bytes = directionOf(connection, direction).bytes;
      for (const hit of rule.check({ message, bytes, exchange, conversation: http })) findings.push(locate(connection, rule, direction, hit));
    }
  }
  return findings.sort(byPosition);
}

/** Capture-scope rules, after the others: they may relate findings of different connections. */
/**
 * The streams the capture rules need, ascending: each rule's candidates from the conversation
 * rows, or every stream when a rule cannot say. Only these are read (back) for the rules.
 */
export function streamsForCaptureRules(rows: readonly ConversationSummary[], rules: readonly Rule[]): number[] {
  const needed = new Set<number>();
  for (const rule of rules) {
    if (rule.scope !== 'capture') continue;
    if (!rule.candidateStreams) return rows.map((row) => row.stream);
    for (const stream of rule.candidateStreams(rows)) needed.add(stream);
  }
  return [...needed].sort((a, b) => a - b);
}

export function findCaptureViolations(streams: readonly AnalysedStream[], rules: readonly Rule[]): Finding[] {
  const byStream = new Map(streams.map((s) => [s.connection.stream, s.connection]));
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (rule.scope !== 'capture') continue;
    for (const hit of rule.check({ streams })) {
      const connection = byStream.get(hit.stream);
      if (connection) findings.push(locate(connection, rule, hit.direction, hit));
    }
  }
  return findings.sort(byPosition);
}
