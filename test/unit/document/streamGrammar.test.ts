/**
 * The TextMate grammar of stream documents (syntaxes/wirelens-stream.tmLanguage.json) run on
 * what the renderer really writes. A small interpreter of the grammar's begin/end/match rules
 * (JavaScript regexes: the grammar keeps to what JavaScript and Oniguruma read alike) gives the
 * scopes of each character; the real-VS-Code suite checks the same document is coloured there.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { renderStreamDocument } from '../../../server/src/document/renderStreamDocument';
import { REPO_ROOT, sample, streamOf } from '../helpers';

interface Captures {
  readonly [group: string]: { readonly name?: string; readonly patterns?: readonly Rule[] };
}
interface Rule {
  readonly include?: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly name?: string;
  readonly captures?: Captures;
  readonly beginCaptures?: Captures;
  readonly patterns?: readonly Rule[];
}
interface Grammar {
  readonly scopeName: string;
  readonly patterns: readonly Rule[];
  readonly repository: Readonly<Record<string, Rule>>;
}

const grammar = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'syntaxes', 'wirelens-stream.tmLanguage.json'), 'utf8')) as Grammar;

/** Rules with their includes expanded (#name → the repository entry, or its patterns). */
function expand(rules: readonly Rule[]): Rule[] {
  return rules.flatMap((rule) => {
    if (!rule.include) return [rule];
    const target = grammar.repository[rule.include.slice(1)];
    assert.ok(target, `${rule.include} is in the repository`);
    return target.match || target.begin ? [target] : expand(target.patterns ?? []);
  });
}

const compiled = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) compiled.set(source, (re = new RegExp(source, 'dgu')));
  return re;
}

function searchFrom(source: string, text: string, from: number): RegExpExecArray | null {
  const re = regex(source);
  re.lastIndex = from;
  return re.exec(text);
}

/** Scopes of each character of each line. */
function tokenize(text: string): string[][][] {
  const stack: Rule[] = [];
  return text.split('\n').map((line) => {
    const scopes: string[][] = Array.from({ length: line.length }, () => []);
    const paint = (from: number, to: number, name: string | undefined) => {
      if (name) for (let i = from; i < to; i++) scopes[i].push(name);
    };
    const paintCaptures = (match: RegExpExecArray, captures: Captures | undefined) => {
      for (const [group, capture] of Object.entries(captures ?? {})) {
        const span = match.indices?.[Number(group)];
        if (!span) continue;
        paint(span[0], span[1], capture.name);
        // Patterns of a capture run on its text only.
        for (const rule of expand(capture.patterns ?? [])) {
          for (let at = span[0]; at < span[1]; ) {
            const inner = searchFrom(rule.match!, line.slice(0, span[1]), at);
            if (!inner) break;
            paint(inner.index, inner.index + inner[0].length, rule.name);
            at = inner.index + Math.max(1, inner[0].length);
          }
        }
      }
    };
    for (let at = 0, guard = 0; at <= line.length && guard < 1000; guard++) {
      const region = stack.at(-1);
      const end = region ? searchFrom(region.end!, line, at) : null;
      let best: { rule: Rule; match: RegExpExecArray } | undefined;
      for (const rule of expand(region ? region.patterns ?? [] : grammar.patterns)) {
        const match = searchFrom(rule.match ?? rule.begin!, line, at);
        if (match && (!best || match.index < best.match.index)) best = { rule, match };
      }
      if (end && (!best || end.index <= best.match.index)) {
        stack.pop(); // the end wins ties, as in TextMate
        at = end.index + end[0].length;
        continue;
      }
      if (!best) break;
      const { rule, match } = best;
      const stop = match.index + match[0].length;
      for (const open of stack) paint(match.index, stop, open.name);
      paint(match.index, stop, rule.name);
      paintCaptures(match, rule.captures ?? rule.beginCaptures);
      if (rule.begin) stack.push(rule);
      at = stop > at ? stop : at + 1;
    }
    // Characters inside a region carry its name even where no rule matched.
    for (const open of stack) scopes.forEach((list) => list.includes(open.name!) || list.unshift(open.name!));
    return scopes;
  });
}

/** Scopes at the first occurrence of `needle` on the line that starts with `lineStart`. */
function scopesOf(text: string, tokens: string[][][], lineStart: string, needle: string): string[] {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.startsWith(lineStart));
  assert.ok(index >= 0, `a line starts with ${JSON.stringify(lineStart)}`);
  const column = lines[index].indexOf(needle);
  assert.ok(column >= 0, `${JSON.stringify(needle)} is on line ${index}: ${lines[index]}`);
  return tokens[index][column];
}

const has = (scopes: string[], part: string) => scopes.some((scope) => scope.startsWith(part));

describe('stream document grammar', () => {
  it('every regex of the grammar compiles as a JavaScript regex', () => {
    const sources: string[] = [];
    const visit = (rule: Rule) => {
      for (const source of [rule.match, rule.begin, rule.end]) if (source) sources.push(source);
      for (const captures of [rule.captures, rule.beginCaptures]) for (const capture of Object.values(captures ?? {})) capture.patterns?.forEach(visit);
      rule.patterns?.forEach(visit);
    };
    Object.values(grammar.repository).forEach(visit);
    assert.ok(sources.length >= 15);
    for (const source of sources) assert.doesNotThrow(() => regex(source), source);
    assert.equal(grammar.scopeName, 'source.wirelens-stream');
  });

  it('the incident response: status line, header names and values; the duplicate is a header like any other', async () => {
    const analysis = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const text = renderStreamDocument(sample('incident-wrong.pcapng'), 'http', analysis.streams.get(0)!).text;
    const tokens = tokenize(text);
    assert.ok(has(scopesOf(text, tokens, 'Wirelens · Follow', 'Follow HTTP'), 'entity.name.section'));
    assert.ok(has(scopesOf(text, tokens, '▶ request 1', '▶'), 'keyword.control.direction'));
    assert.ok(has(scopesOf(text, tokens, 'POST /wrong', 'POST'), 'keyword.other.method.http'));
    assert.ok(has(scopesOf(text, tokens, 'POST /wrong', '/wrong'), 'string.unquoted.target'));
    assert.ok(has(scopesOf(text, tokens, 'HTTP/1.1 200', '200'), 'constant.numeric.status.http'));
    assert.ok(has(scopesOf(text, tokens, 'transfer-encoding: chunked', 'transfer-encoding'), 'support.type.property-name.header'));
    assert.ok(has(scopesOf(text, tokens, 'transfer-encoding: chunked', 'chunked'), 'string.unquoted.header-value'));
    // The body is bytes, not fields: "{"order":42,..." has a colon but no header scope.
    assert.ok(!has(scopesOf(text, tokens, '{"order":42,"item"', 'order'), 'support.type.property-name'));
  });

  it('a body line shaped like a header is not coloured as one; bare LF and escaped bytes are marked', () => {
    const stream = streamOf('GET /a HTTP/1.1\r\nHost: h\r\nX-Bare: a\nb\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nnot-a: header\x01');
    const text = renderStreamDocument('/x/y.pcap', 'http', stream).text;
    const tokens = tokenize(text);
    assert.ok(!has(scopesOf(text, tokens, 'not-a: header', 'not-a'), 'support.type.property-name'));
    assert.ok(has(scopesOf(text, tokens, 'not-a: header', '\\x01'), 'constant.character.escape.byte'));
    assert.ok(has(scopesOf(text, tokens, 'X-Bare: a␊', '␊'), 'invalid.illegal.bare-line-end'));
  });

  it('HTTP/2: block headings, pseudo-header fields and DATA headings', async () => {
    const analysis = await analyzeCaptureFile(sample('h2c-grpc.pcapng'));
    const text = renderStreamDocument(sample('h2c-grpc.pcapng'), 'http', analysis.streams.get(0)!).text;
    const tokens = tokenize(text);
    assert.ok(has(scopesOf(text, tokens, '── HTTP/2', 'HTTP/2'), 'markup.heading.http2'));
    assert.ok(has(scopesOf(text, tokens, '▶ stream 1', 'request headers'), 'entity.name.tag.block.http2'));
    assert.ok(has(scopesOf(text, tokens, ':method: GET', ':method'), 'support.type.property-name.header'));
    assert.ok(has(scopesOf(text, tokens, ':method: GET', 'GET'), 'string.unquoted.header-value'));
    assert.ok(has(scopesOf(text, tokens, '◀ DATA', 'DATA'), 'entity.name.tag.data.http2'));
  });

  it('HTTP/2 resets are marked as errors', async () => {
    const analysis = await analyzeCaptureFile(sample('h2c-malformed.pcapng'));
    const stream = [...analysis.streams.values()].find((s) => s.http.http2?.streams.some((h2) => h2.resets.length > 0));
    assert.ok(stream, 'h2c-malformed has a stream with an RST_STREAM');
    const text = renderStreamDocument(sample('h2c-malformed.pcapng'), 'http', stream).text;
    const tokens = tokenize(text);
    assert.ok(has(scopesOf(text, tokens, '✖ RST_STREAM', 'RST_STREAM'), 'keyword.control.frame.http2'));
    assert.ok(has(scopesOf(text, tokens, '✖ RST_STREAM', '✖'), 'invalid.illegal.marker'));
  });

  it('TCP mode: direction headings, and the HTTP inside is left as bytes', async () => {
    const analysis = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const text = renderStreamDocument(sample('incident-wrong.pcapng'), 'tcp', analysis.streams.get(0)!).text;
    const tokens = tokenize(text);
    assert.ok(has(scopesOf(text, tokens, '◀ server → client', 'server → client'), 'comment.line.heading'));
    assert.ok(!has(scopesOf(text, tokens, 'transfer-encoding: chunked', 'transfer'), 'support.type.property-name'));
  });
});
