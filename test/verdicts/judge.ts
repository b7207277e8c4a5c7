/**
 * From what was seen to a verdict. The outcome words are Verdict.outcome's, decided the same way
 * for every implementation:
 *
 *   reject               the exchange failed: an error status the proxy wrote itself, a connection
 *                        closed or reset without a complete response, no answer before the deadline,
 *                        or the client library reported an error;
 *   accept               the message went through and the next hop (the client for a response, the
 *                        origin for a request) still gets bytes that break the rule: the catalogue's
 *                        own check fires on them;
 *   accept-with-rewrite  it went through, but changed so that the rule no longer fires (fields merged
 *                        or dropped, framing redone, stray bytes discarded).
 *
 * A client (curl, Node's or Go's client) has no next hop: it accepts or rejects.
 */
import type { Verdict } from '../../protocol/model';
import type { VerdictCase } from './cases';
import type { ClientRun, Driver, Mode, ProxyRun, Run } from './drivers';
import { CLIENT_DEADLINE_MS, ORIGIN_OK_BODY, readRequests, readResponses, rulesOn, show, type ReadMessage } from './wire';

export type Outcome = Verdict['outcome'];

/** One run, judged: what is stored in the generated file next to the verdict. */
export interface Observation {
  readonly role: 'proxy' | 'client';
  readonly mode: Mode;
  readonly outcome: Outcome;
  /** What happened, as a phrase ("502 Bad Gateway from nginx"). */
  readonly said: string;
  /** Status the client got (first response). */
  readonly status?: number;
  /** Body the client got, escaped and cut. */
  readonly body?: string;
  /** False when the client's response was cut short or never came. */
  readonly complete: boolean;
  /** Proxies: how many connections the proxy opened to the origin, and what the first one carried (escaped, cut). */
  readonly originConnections?: number;
  readonly originReceived?: string;
  /** Catalogue rules that fire on what the next hop got. */
  readonly nextHopRules?: readonly string[];
  readonly log?: readonly string[];
  readonly error?: string;
}

const NAMES: Record<Driver['implementation'], string> = {
  envoy: 'Envoy',
  nginx: 'nginx',
  haproxy: 'HAProxy',
  node: 'the Node proxy',
  go: 'ReverseProxy',
  curl: 'curl',
};

function statusOf(message: string): number | undefined {
  const m = /^\S*[ \t]+(\d{3})/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** The message the example meant, read leniently: its fields and body. */
function exampleMessage(testCase: VerdictCase): ReadMessage | undefined {
  return testCase.side === 'response' ? readResponses(testCase.request, testCase.response ?? '')[0] : readRequests(testCase.request)[0];
}

/** A field with its name lower-cased (names are case-insensitive; values and folding are not). */
function normalized(field: string): string {
  const colon = field.indexOf(':');
  return colon < 0 ? field : field.slice(0, colon).toLowerCase() + field.slice(colon);
}

/** Fields by lower-cased name (whitespace before the colon dropped), in order. */
function fieldsByName(fields: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    const name = (colon < 0 ? field : field.slice(0, colon)).trim().toLowerCase();
    map.set(name, [...(map.get(name) ?? []), field]);
  }
  return map;
}

/**
 * How the fields the example sends (plus the framing fields and Host) differ after the hop:
 * `Transfer-Encoding: Chunked + transfer-encoding: chunked → Transfer-Encoding: chunked`. A name
 * that only changed case is no change. Host is left out when the example has exactly one (proxies
 * set their own; that is not what the rules are about).
 */
function fieldChanges(before: readonly string[], after: readonly string[]): string[] {
  const was = fieldsByName(before);
  const now = fieldsByName(after);
  const names = [...was.keys(), ...['content-length', 'transfer-encoding', 'host'].filter((n) => !was.has(n))];
  const changes: string[] = [];
  for (const name of names) {
    if (name === 'host' && (was.get(name)?.length ?? 0) === 1) continue;
    const a = was.get(name) ?? [];
    const b = now.get(name) ?? [];
    if (a.map(normalized).join('\n') === b.map(normalized).join('\n')) continue;
    changes.push(`${a.length ? a.map((l) => show(l, 48)).join(' + ') : '(none)'} → ${b.length ? b.map((l) => show(l, 48)).join(' + ') : '(removed)'}`);
  }
  return changes;
}

function bodyPhrase(body: string, meant: string | undefined): string {
  const shown = `"${show(body, 24)}"`;
  if (meant === undefined || body === meant) return `body ${shown} as sent`;
  return `body ${shown} (${body.length} bytes, not "${show(meant, 16)}")`;
}

/** The first log line, unless it only says that all went well (HAProxy's termination state "----"). */
function logPhrase(log: readonly string[]): string {
  const line = log[0];
  if (!line || /termination state ----/.test(line)) return '';
  return `; log: ${show(line, 180)}`;
}

function judgeProxy(testCase: VerdictCase, run: ProxyRun, name: string): Observation {
  const { exchange } = run;
  const responses = readResponses(testCase.request, exchange.received);
  const first = responses[0];
  const example = exampleMessage(testCase);
  const originBytes = run.origin[0]?.received ?? '';
  const common = {
    role: 'proxy' as const,
    mode: run.mode,
    status: first?.status,
    body: first ? show(first.body, 60) : undefined,
    originConnections: run.origin.length,
    originReceived: show(originBytes, 300),
    log: run.log,
  };
  const ended = exchange.end === 'reset' ? 'resets the connection' : exchange.end === 'closed' ? 'closes the connection' : `stops sending for ${CLIENT_DEADLINE_MS / 1000} s`;
  const originPart =
    testCase.side === 'request' ? (originBytes ? `; the origin got "${show(originBytes.split('\r\n')[0], 60)}"` : '; nothing reached the origin') : '';

  // A proxy that fails after the origin's header: whether its own status line gets out before the
  // close can be a race (Go's ReverseProxy flushes the header from a timer goroutine), so a close
  // before any body byte reads the same with or without it.
  if (testCase.side === 'response' && exchange.end !== 'open' && (!first?.status || (!first.complete && first.body.length === 0))) {
    const said = `${ended} before any body byte: the client gets no usable response`;
    return { ...common, status: undefined, body: undefined, outcome: 'reject', complete: false, said: `${said}${logPhrase(run.log)}` };
  }
  if (!first || first.status === undefined) {
    const said = exchange.timedOut && exchange.received === '' ? `no response within ${CLIENT_DEADLINE_MS / 1000} s` : `${ended} without a response`;
    return { ...common, outcome: 'reject', complete: false, said: `${said}${originPart}${logPhrase(run.log)}` };
  }
  const expected = testCase.side === 'response' ? statusOf(testCase.response ?? '') : 200;
  const fromOrigin = first.status === expected && (testCase.side === 'response' || first.body === ORIGIN_OK_BODY);
  if (!fromOrigin) {
    return { ...common, outcome: 'reject', complete: first.complete, said: `${first.status} ${first.reason} from ${name}${originPart}${logPhrase(run.log)}` };
  }
  const changes = testCase.side === 'response' ? fieldChanges(example?.fields ?? [], first.fields) : [];
  if (!first.complete) {
    const got = first.body.length ? `${first.body.length} body bytes, "${show(first.body, 24)}"` : 'no body bytes';
    const said = [`relays ${first.status}, then ${ended} mid-body (${got})`, ...changes].join('; ');
    return { ...common, outcome: 'reject', complete: false, said: `${said}${logPhrase(run.log)}` };
  }
  // Went through: does the next hop still get the malformation?
  const nextHopRules =
    testCase.side === 'response'
      ? rulesOn(testCase.request, exchange.received, exchange.end, 'server-to-client')
      : rulesOn(originBytes, '', 'open', 'client-to-server');
  const passedOn = nextHopRules.includes(testCase.ruleId);
  const others = nextHopRules.filter((id) => id !== testCase.ruleId);
  const parts: string[] = [];
  if (testCase.side === 'response' && exchange.received === testCase.response) {
    parts.push(`passes the origin's bytes to the client verbatim (no status line or fields of its own)`);
  } else if (testCase.side === 'response') {
    parts.push(`relays ${first.status}, ${bodyPhrase(first.body, example?.body)}`, ...changes);
  } else {
    const forwarded = readRequests(originBytes);
    const line = forwarded[0]?.startLine ?? originBytes.split('\r\n')[0];
    parts.push(example && line !== example.startLine ? `forwards it as "${show(line, 60)}"` : 'forwards it');
    if (forwarded.length > 1) parts.push(`${forwarded.length} requests on one connection`);
    if (forwarded[0]) parts.push(...fieldChanges(example?.fields ?? [], forwarded[0].fields));
    if (forwarded[0] && example && forwarded[0].body !== example.body) parts.push(`body "${show(forwarded[0].body, 24)}" (the client sent "${show(example.body, 24)}")`);
  }
  if (run.origin.length > 1) parts.push(`${run.origin.length} connections to the origin`);
  if (passedOn) parts.push(`the ${testCase.side === 'response' ? 'client' : 'origin'} still gets bytes that break ${testCase.ruleId}`);
  if (others.length) parts.push(`what it sends on breaks ${others.join(', ')}`);
  return {
    ...common,
    outcome: passedOn ? 'accept' : 'accept-with-rewrite',
    complete: true,
    nextHopRules,
    said: `${parts.join('; ')}${logPhrase(run.log)}`,
  };
}

function judgeClient(testCase: VerdictCase, run: ClientRun): Observation {
  const example = exampleMessage(testCase);
  const common = { role: 'client' as const, mode: run.mode, status: run.status, body: show(run.body, 60), error: run.error };
  if (run.timedOut) {
    const got = run.status ? `got ${run.status}${run.body.length ? ` and ${run.body.length} body bytes` : ''}` : 'no response';
    return { ...common, outcome: 'reject', complete: false, said: `still waiting after ${CLIENT_DEADLINE_MS / 1000} s (${got})` };
  }
  if (run.error) {
    const after = run.status ? ` after ${run.status}${run.body.length ? ` and ${run.body.length} body bytes` : ''}` : '';
    return { ...common, outcome: 'reject', complete: false, said: `error${after}: ${show(run.error, 140)}` };
  }
  return { ...common, outcome: 'accept', complete: true, said: `${run.status}, ${bodyPhrase(run.body, example?.body)}` };
}

export function judge(testCase: VerdictCase, implementation: Driver['implementation'], run: Run): Observation {
  return run.role === 'proxy' ? judgeProxy(testCase, run, NAMES[implementation]) : judgeClient(testCase, run);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * One verdict per implementation and rule. Its outcome is the default setup's: the proxy for
 * nginx, HAProxy, Node and Go (Node's and Go's clients are reported in the summary), the client
 * for curl. insecureHTTPParser is reported where it changes anything.
 */
export function verdictFor(testCase: VerdictCase, driver: Driver, observations: readonly Observation[], date: string): Verdict & { version: string; date: string } {
  const find = (role: 'proxy' | 'client', mode: Mode) => observations.find((o) => o.role === role && o.mode === mode);
  const proxy = find('proxy', 'default');
  const client = find('client', 'default');
  const primary = proxy ?? client;
  if (!primary) throw new Error(`${driver.implementation} ${testCase.ruleId}: nothing observed`);
  let summary: string;
  if (driver.implementation === 'nginx' || driver.implementation === 'haproxy' || driver.implementation === 'curl') {
    summary = capitalized(primary.said) + '.';
  } else {
    const role = driver.implementation === 'go' ? 'As a proxy (httputil.ReverseProxy)' : 'As a proxy';
    const sentences = [`${role}: ${proxy?.said}.`];
    if (client) sentences.push(`As a client: ${client.said}.`);
    if (driver.implementation === 'node') {
      const insecureProxy = find('proxy', 'insecureHTTPParser');
      const insecureClient = find('client', 'insecureHTTPParser');
      const sameProxy = insecureProxy?.said === proxy?.said;
      const sameClient = insecureClient?.said === client?.said;
      if (sameProxy && sameClient) sentences.push('insecureHTTPParser changes nothing.');
      else {
        const parts: string[] = [];
        if (!sameProxy && insecureProxy) parts.push(`as a proxy ${insecureProxy.said}`);
        if (!sameClient && insecureClient) parts.push(`as a client ${insecureClient.said}`);
        sentences.push(`With insecureHTTPParser: ${parts.join('; ')}.`);
      }
    }
    summary = sentences.join(' ');
  }
  return {
    implementation: driver.implementation,
    outcome: primary.outcome,
    summary,
    source: 'measured',
    reference: `${driver.label}, ${date}, test/verdicts/ (npm run verdicts)`,
    version: driver.version,
    date,
  };
}
