import { latin1 } from '../http/parseHttpMessage';
import { escapeByte, escapeLatin1 } from '../text/escapeBytes';
import { quoteBytes } from './messageLines';
import { lineRange, type MessageRule } from './rule';

interface Problem {
  readonly text: string;
  /** Whether Envoy rejects an upstream response whose status line has only this problem. */
  readonly envoyRejects: boolean;
}

const isBlank = (char: string | undefined) => char === ' ' || char === '\t';

/** What is wrong with a status line (CRs left out: bare-cr reports them; the version is unknown-http-version's). */
function problemsOf(line: string): Problem[] {
  const problems: Problem[] = [];
  let at = 0;
  while (at < line.length && !isBlank(line[at])) at++;
  const gap = /^[ \t]*/.exec(line.slice(at))![0];
  if (gap.includes('\t')) problems.push({ text: 'a tab separates the version from the status code (only a single SP is allowed)', envoyRejects: false });
  else if (gap.length > 1) problems.push({ text: 'more than one SP separates the version from the status code', envoyRejects: false });
  at += gap.length;
  const digits = /^\d*/.exec(line.slice(at))![0];
  at += digits.length;
  if (digits.length !== 3) {
    problems.push({
      text: `the status code "${escapeLatin1(digits)}" has ${digits.length} digits, not 3${Number(digits) < 200 ? '; read as a number it is below 200, which a recipient may take for an interim response without a body' : ''}`,
      envoyRejects: false,
    });
  } else if (digits[0] < '1' || digits[0] > '5') {
    problems.push({ text: `the status code ${digits} is outside 100-599 (RFC 9110 §15)`, envoyRejects: false });
  }
  if (at === line.length) return problems; // "HTTP/1.1 200" without SP and reason: see the description.
  const next = line[at];
  if (next === '\t') problems.push({ text: 'a tab separates the status code from the reason phrase (only SP is allowed)', envoyRejects: false });
  else if (next !== ' ') problems.push({ text: `no SP between the status code and the reason phrase ("${escapeLatin1(digits + line.slice(at, at + 10))}")`, envoyRejects: true });
  const reason = next === ' ' || next === '\t' ? line.slice(at + 1) : line.slice(at);
  const bad = [...new Set([...reason].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  }))];
  if (bad.length > 0) {
    problems.push({ text: `the reason phrase contains control bytes (${bad.map((char) => `"${escapeByte(char.charCodeAt(0))}"`).join(', ')})`, envoyRejects: true });
  }
  return problems;
}

/**
 * A status line that is not `HTTP-version SP 3DIGIT SP [reason-phrase]` (RFC 9112 §4): a status
 * code of other than three digits, a tab or several spaces as separator, no SP before the reason,
 * control bytes in the reason. A status line that ends right after the code (no SP, no reason)
 * breaks a sender requirement that every implementation read here tolerates; it is not reported.
 */
export const invalidStatusLine: MessageRule = {
  scope: 'message',
  id: 'invalid-status-line',
  title: 'Malformed status line',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '4', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-4' },
  description:
    'The status line is not HTTP-version SP status-code SP [reason-phrase] (RFC 9112 §4): the status code is not exactly three digits or lies outside 100-599, a tab or several spaces separate the parts, no space follows the code before the reason phrase ("200OK"), or the reason phrase contains control bytes. ' +
    'Recipients disagree on such lines: one rejects the response (a proxy answers 502), another reads the digits as a number, and a code read as below 200 is an interim response without a body, so the body is taken for the next response. ' +
    'A status line that ends right after the code ("HTTP/1.1 200", no space and no reason) also breaks RFC 9112 §4, but only as a sender requirement that recipients tolerate, so it is not reported. The version is checked by unknown-http-version.',
  example: { response: 'HTTP/1.1 200OK\r\nContent-Length: 2\r\n\r\nok' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'Rejects the upstream response → 502 UPE, upstream_reset_before_response_started{protocol_error}, when the status code is not an integer ("200OK": FAILED_CONVERTING_STATUS_CODE_TO_INT) or the line contains control bytes (INVALID_HEADER_CHARACTER; the invalid-character scan covers the first line). ' +
        'Accepts extra spaces or tabs between the parts (Balsa splits the line on any whitespace), a missing reason phrase (a warning only), and numeric codes of the wrong length or range (quiche\'s disallow_invalid_response_codes is left off).',
      source: 'cited',
      reference:
        'google/quiche quiche/balsa/balsa_frame.cc ParseHTTPFirstLine (ParseOneIsland, SimpleAtoi of the status), BalsaFrame::ProcessFirstLine, CheckHeaderLinesForInvalidChars; envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::BalsaParser, OnResponseFirstLineInput',
    },
  ],
  check({ message, bytes }) {
    if (message.kind !== 'response') return [];
    const { startLine } = message;
    const problems = problemsOf(latin1(bytes, startLine.offset, startLine.length).replace(/\r/g, ''));
    if (problems.length === 0) return [];
    const envoy = problems.some((problem) => problem.envoyRejects)
      ? 'Envoy rejects this response (502 UPE).'
      : 'Envoy accepts it, but recipients disagree about such status lines.';
    return [
      {
        ...lineRange(startLine),
        message: `Status line "${quoteBytes(bytes, startLine.offset, startLine.length, 120)}" is not "HTTP-version SP 3DIGIT SP reason": ${problems.map((problem) => problem.text).join('; ')}. ${envoy}`,
      },
    ];
  },
};
