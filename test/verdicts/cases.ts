/**
 * What the verdict harness sends: one case per catalogue rule whose `example` a message can carry,
 * built from that example (the bytes docs/rules.md shows and the catalogue test proves fire the
 * rule), so there is one source of truth. Rules no message can exhibit are listed with the reason.
 */
import { ALL_RULES } from '../../server/src/rules';

export interface VerdictCase {
  readonly ruleId: string;
  /** Which message breaks the rule: a request goes client → proxy → origin, a response origin → proxy → client. */
  readonly side: 'request' | 'response';
  /** Bytes the client sends: the example request, or for a response case the example's request or a plain GET. */
  readonly request: string;
  /** Response cases: the bytes the origin answers any request with (the example response). */
  readonly response?: string;
  /**
   * What the origin does after its response: close the connection (FIN) or keep it open without
   * sending more, for a message that simply stops (incomplete-message: a capture that ended, a
   * sender that stalled; closing instead would make it content-length-mismatch's short body).
   */
  readonly originEnd: 'close' | 'stall';
}

/** The request a response case's client sends when the example has none. */
export const DEFAULT_REQUEST = 'GET /verdict HTTP/1.1\r\nHost: example.com\r\n\r\n';

/** Rules the harness does not run, and why (HTTP/2 rules are added by leftOut()). */
const LEFT_OUT: Readonly<Record<string, string>> = {
  'connection-close-reuse':
    'needs a second request on a connection the origin announced it would close; proxies open their own upstream connections, so the client cannot make a proxy reuse one',
  'tcp-rst-mid-message': 'a transport event (RST), not message bytes; scripts/make-proxy-sample.mjs records nginx on an upstream reset',
  'tcp-zero-window': 'a transport event (the receive window), not message bytes',
  'tcp-overlap-conflict': 'retransmissions with different bytes cannot be sent through a socket API',
  'proxy-generated-error': 'about the proxies\' own error pages, which the harness records for every other rule',
};

const HTTP2_REASON = 'an HTTP/2 rule: the harness speaks HTTP/1.x (scripts/make-h2-samples.mjs records node:http2 and curl)';

/** Every catalogue rule the harness leaves out, with the reason. */
export function leftOut(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rule of ALL_RULES) {
    if (rule.id in LEFT_OUT) out[rule.id] = LEFT_OUT[rule.id];
    else if (rule.rfc.document === 'RFC 9113') out[rule.id] = HTTP2_REASON;
  }
  return out;
}

const STALLS = new Set(['incomplete-message']);

export function verdictCases(): VerdictCase[] {
  const cases: VerdictCase[] = [];
  const skipped = leftOut();
  for (const rule of ALL_RULES) {
    if (rule.id in skipped) continue;
    const example = rule.example;
    if (!example) throw new Error(`${rule.id}: no example and not in LEFT_OUT (test/verdicts/cases.ts)`);
    const originEnd = STALLS.has(rule.id) ? 'stall' : 'close';
    if (example.response !== undefined) {
      cases.push({ ruleId: rule.id, side: 'response', request: example.request ?? DEFAULT_REQUEST, response: example.response, originEnd });
    } else if (example.request !== undefined) {
      cases.push({ ruleId: rule.id, side: 'request', request: example.request, originEnd });
    }
  }
  return cases;
}
