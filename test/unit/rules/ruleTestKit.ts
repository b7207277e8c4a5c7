/**
 * Runs rules the way the analysis does (parseHttpConnection → findRuleViolations) on raw
 * bytes, so rule tests exercise the real path. Connection-scope rules get a TcpConnection built
 * by the real TcpReassembler from synthetic segments.
 */
import * as assert from 'node:assert/strict';
import type { Direction, Finding } from '../../../protocol/model';
import { findRuleViolations } from '../../../server/src/analysis/findRuleViolations';
import { parseHttpConnection } from '../../../server/src/http/httpConversation';
import type { Rule } from '../../../server/src/rules/rule';
import { TcpReassembler, type TcpConnection } from '../../../server/src/tcp/tcpReassembler';
import { TcpFlag, type TcpSegment } from '../../../server/src/tshark/tcpSegment';
import { bytes, UNSAFE_CHARS } from '../helpers';

export const CLIENT = { address: '10.0.0.1', port: 40000 };
export const SERVER = { address: '10.0.0.2', port: 80 };

export interface SegmentSpec {
  readonly from: 'client' | 'server';
  /** Payload as latin1 text. */
  readonly data?: string;
  readonly flags?: number;
  readonly window?: number;
  /**
   * Where in this direction's payload the segment starts (default: right after the bytes sent so
   * far). Smaller re-sends bytes (a retransmission); larger leaves bytes out (a gap).
   */
  readonly at?: number;
  /** Capture time in seconds (default: frame / 1000). */
  readonly time?: number;
}

/**
 * A connection from a script of segments: a handshake, then each segment in order with
 * sequence numbers that follow on, frames numbered from 1.
 */
export function connectionOf(script: readonly SegmentSpec[], handshake = true): TcpConnection {
  const reassembler = new TcpReassembler();
  const seq = { client: 1000, server: 5000 };
  const payloadStart = { client: handshake ? 1001 : 1000, server: handshake ? 5001 : 5000 };
  let frame = 0;
  const add = (spec: SegmentSpec) => {
    const payload = bytes(spec.data ?? '');
    const src = spec.from === 'client' ? CLIENT : SERVER;
    const dst = spec.from === 'client' ? SERVER : CLIENT;
    const segment: TcpSegment = {
      frame: ++frame,
      time: spec.time ?? frame / 1000,
      stream: 0,
      src,
      dst,
      seq: spec.at === undefined ? seq[spec.from] : (payloadStart[spec.from] + spec.at) % 2 ** 32,
      flags: spec.flags ?? TcpFlag.ACK | (payload.length ? TcpFlag.PSH : 0),
      window: spec.window ?? 65535,
      payload,
      capturedLength: payload.length + 54,
    };
    const next = (segment.seq + payload.length + (spec.flags && spec.flags & (TcpFlag.SYN | TcpFlag.FIN) ? 1 : 0)) % 2 ** 32;
    if (spec.at === undefined || next > seq[spec.from]) seq[spec.from] = next;
    reassembler.add(segment);
  };
  if (handshake) {
    add({ from: 'client', flags: TcpFlag.SYN });
    add({ from: 'server', flags: TcpFlag.SYN | TcpFlag.ACK });
    add({ from: 'client', flags: TcpFlag.ACK });
  }
  script.forEach(add);
  return reassembler.finish()[0];
}

/** Findings of `rule` on a connection whose client sent `request` and server sent `response`. */
export function runRule(rule: Rule, exchange: { request?: string; response?: string }): Finding[] {
  const script: SegmentSpec[] = [];
  if (exchange.request) script.push({ from: 'client', data: exchange.request });
  if (exchange.response) script.push({ from: 'server', data: exchange.response });
  return runRuleOn(rule, connectionOf(script));
}

export function runRuleOn(rule: Rule, connection: TcpConnection): Finding[] {
  const http = parseHttpConnection(connection);
  return findRuleViolations(connection, http, [rule]);
}

/** The latin1 text a finding covers in its direction of `exchange`. */
export function coveredText(exchange: { request?: string; response?: string }, finding: Pick<Finding, 'direction' | 'offset' | 'length'>): string {
  const source: Record<Direction, string | undefined> = { 'client-to-server': exchange.request, 'server-to-client': exchange.response };
  return (source[finding.direction] ?? '').slice(finding.offset, finding.offset + finding.length);
}

/**
 * Runs `rule` on `exchange`, asserts it fires exactly once and that the finding covers exactly
 * `covers`; returns that finding for further checks.
 */
export function singleFinding(rule: Rule, exchange: { request?: string; response?: string }, covers: string): Finding {
  const finding = onlyFinding(rule, exchange);
  assert.equal(coveredText(exchange, finding), covers);
  return finding;
}

/**
 * Runs `rule` on an exchange carrying hostile bytes and asserts the first finding's message
 * holds no raw unsafe character and quotes each of `escaped` (the escaped spellings) verbatim.
 */
export function assertQuotesEscaped(rule: Rule, exchangeWithHostileBytes: { request?: string; response?: string }, ...escaped: string[]): Finding {
  const [finding] = runRule(rule, exchangeWithHostileBytes);
  assert.doesNotMatch(finding.message, UNSAFE_CHARS);
  for (const text of escaped) assert.ok(finding.message.includes(text), finding.message);
  return finding;
}

/** Each direction's reassembled bytes of `connection` as latin1 text. */
export function streamTexts(connection: TcpConnection): Record<Direction, string> {
  return {
    'client-to-server': Buffer.from(connection.clientToServer.bytes).toString('latin1'),
    'server-to-client': Buffer.from(connection.serverToClient.bytes).toString('latin1'),
  };
}

const PLAIN_GET = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';

/**
 * Runs `rule` the way the analysis does on one raw message: a raw request goes alone, a raw
 * response after a plain GET. Asserts every finding is in that message's direction.
 */
export function runRuleOnRaw(rule: Rule, raw: string): { input: Uint8Array; findings: Finding[] } {
  const isResponse = raw.startsWith('HTTP/');
  const findings = runRule(rule, isResponse ? { request: PLAIN_GET, response: raw } : { request: raw });
  for (const f of findings) assert.equal(f.direction, isResponse ? 'server-to-client' : 'client-to-server');
  return { input: bytes(raw), findings };
}

/** Runs `rule` on `exchange`, asserts it fires exactly once, and returns that finding. */
export function onlyFinding(rule: Rule, exchange: { request?: string; response?: string }): Finding {
  const findings = runRule(rule, exchange);
  assert.equal(findings.length, 1);
  return findings[0];
}

/** Asserts the finding's message contains each of `says` verbatim. */
export function assertMessageSays(finding: Pick<Finding, 'message'>, says: readonly string[]): void {
  for (const words of says) assert.ok(finding.message.includes(words), `"${words}" missing from: ${finding.message}`);
}

/** One `it('does not fire: <name>')` per case, each asserting `rule` finds nothing in its exchange. */
export function itDoesNotFire(rule: Rule, cases: readonly { name: string; exchange: { request?: string; response?: string } }[]): void {
  for (const c of cases) {
    it(`does not fire: ${c.name}`, () => assert.deepEqual(runRule(rule, c.exchange), []));
  }
}

/** Findings of `rule` on `connection`, each with the text it covers in its direction, and the streams' text. */
export function findingsWithText(rule: Rule, connection: TcpConnection) {
  const streams = streamTexts(connection);
  const findings = runRuleOn(rule, connection).map((f) => ({ ...f, text: streams[f.direction].slice(f.offset, f.offset + f.length) }));
  return { streams, findings };
}

/**
 * One `it('fires: <name>')` per case, each asserting `rule` fires exactly once covering exactly
 * `covers`, with a message free of raw unsafe characters that says each of `says`.
 */
export function itFiresOnce(rule: Rule, cases: readonly { name: string; exchange: { request?: string; response?: string }; covers: string; says: readonly string[] }[]): void {
  for (const c of cases) {
    it(`fires: ${c.name}`, () => {
      const finding = singleFinding(rule, c.exchange, c.covers);
      assert.doesNotMatch(finding.message, UNSAFE_CHARS);
      assertMessageSays(finding, c.says);
    });
  }
}
