import { latin1 } from '../http/parseHttpMessage';
import { escapeByte, escapeLatin1 } from '../text/escapeBytes';
import { quoteBytes } from './messageLines';
import { lineRange, type MessageRule } from './rule';

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
/** Methods a prefix of leftover bytes is recognised in front of (a desync symptom). */
const KNOWN_METHOD = /(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH)$/;

interface Problem {
  readonly text: string;
  /** Whether Envoy rejects a request line with only this problem. */
  readonly envoyRejects: boolean;
}

function runsOf(text: string): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < text.length; ) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    const start = i;
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') i++;
    if (i > start) runs.push([start, i]);
  }
  return runs;
}

function quoteChars(chars: readonly string[]): string {
  return chars.map((char) => (char === '"' ? "'\"'" : `"${escapeByte(char.charCodeAt(0))}"`)).join(', ');
}

/** What is wrong with a request line that has a version, CRs left out (bare-cr reports them). */
function problemsOf(line: string): Problem[] {
  const runs = runsOf(line);
  const words = runs.map(([start, end]) => line.slice(start, end));
  const problems: Problem[] = [];
  const method = words[0];
  const badMethod = [...new Set([...method].filter((char) => !TCHAR.test(char)))];
  if (badMethod.length > 0) {
    const known = KNOWN_METHOD.exec(method);
    const leftover =
      known && known.index > 0
        ? ` (it ends in ${known[1]}: the bytes before it look like the unread rest of an earlier message, a desync symptom)`
        : '';
    problems.push({ text: `the method "${escapeLatin1(method)}" is not a token: ${quoteChars(badMethod)} not allowed${leftover}`, envoyRejects: true });
  }
  if (words.length === 2) problems.push({ text: 'there is no request-target between the method and the version', envoyRejects: true });
  const target = words.length > 2 ? line.slice(runs[1][0], runs[runs.length - 2][1]) : '';
  if (words.length > 3) {
    problems.push({
      text: `the request-target "${escapeLatin1(target)}" contains whitespace, so hops disagree about where it ends (one takes "${escapeLatin1(words[1])}" and reads the rest as a bad version)`,
      envoyRejects: true,
    });
  }
  const badTarget = [...new Set([...target].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code >= 0x7f;
  }))];
  if (badTarget.length > 0) {
    problems.push({ text: `the request-target contains bytes a URI cannot hold (${quoteChars(badTarget)}); they must be percent-encoded`, envoyRejects: true });
  }
  // Separators: exactly one SP between the parts and nothing after the version.
  // (Blanks inside the target are reported above.)
  const last = runs.length - 1;
  const gaps = [line.slice(runs[0][1], runs[1][0]), ...(last > 1 ? [line.slice(runs[last - 1][1], runs[last][0])] : [])];
  if (gaps.some((gap) => gap.includes('\t'))) problems.push({ text: 'a tab separates parts of the line (only a single SP is allowed)', envoyRejects: false });
  else if (gaps.some((gap) => gap.length > 1)) problems.push({ text: 'more than one SP separates parts of the line', envoyRejects: false });
  if (runs[runs.length - 1][1] < line.length) problems.push({ text: 'whitespace follows the HTTP version', envoyRejects: false });
  return problems;
}

/**
 * A request line that is not exactly `method SP request-target SP HTTP-version` (RFC 9112 §3):
 * extra or tab separators, a missing target, a target with whitespace or raw control/non-ASCII
 * bytes, a method that is not a token. The version itself is unknown-http-version's; the form of
 * the target (origin, absolute, authority, asterisk) is not checked.
 */
export const invalidRequestLine: MessageRule = {
  scope: 'message',
  id: 'invalid-request-line',
  title: 'Malformed request line',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '3', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-3' },
  description:
    'The request line is not exactly method SP request-target SP HTTP-version (RFC 9112 §3): the parts are separated by tabs or several spaces, the target is missing or contains whitespace, control bytes or raw non-ASCII bytes, or the method is not a token. ' +
    'RFC 9112 §3 says a recipient that cannot parse it should answer 400 and that lenient whitespace parsing is risky: hops that split the line differently route the request to different resources or read another version, which is how request-line smuggling and cache poisoning start. ' +
    'A method of stray bytes followed by GET or POST usually means the previous message on the connection was framed wrong (desync). The HTTP version is checked by unknown-http-version; absolute-form or authority-form targets are valid and not reported.',
  example: { request: 'GET /a b HTTP/1.1\r\nHost: example.com\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'As a request: 400, http1.codec_error, response flag DPE. A method that is not a token (or, without allow_custom_methods, not one of Envoy\'s known methods) gives HPE_INVALID_METHOD; a missing target, DEL or bytes of 0x80 and above in it give HPE_INVALID_URL; whitespace inside the target, or a control byte (Balsa splits the line at any byte up to 0x20), makes the rest of the line an invalid version (HPE_INVALID_VERSION). ' +
        'Extra spaces or tabs between well-formed parts are accepted: Balsa splits the line on any whitespace (sanitize_firstline_spaces and sanitize_cr_tab_in_first_line are NONE).',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/balsa_parser.cc BalsaParser::execute (first byte), OnRequestFirstLineInput (isMethodValid, isUrlValid, isVersionValid); google/quiche quiche/balsa/balsa_frame.cc ParseHTTPFirstLine / ParseOneIsland',
    },
  ],
  check({ message, bytes }) {
    if (message.kind !== 'request' || message.requestLine.version === '') return [];
    const { startLine } = message;
    const line = latin1(bytes, startLine.offset, startLine.length).replace(/\r/g, '');
    const problems = problemsOf(line);
    if (problems.length === 0) return [];
    const envoy = problems.some((problem) => problem.envoyRejects)
      ? 'Envoy rejects it (400 http1.codec_error).'
      : 'Envoy accepts it (its parser splits on any whitespace), but hops that split the line differently disagree about the target.';
    return [
      {
        ...lineRange(startLine),
        message: `Request line "${quoteBytes(bytes, startLine.offset, startLine.length, 120)}" is not "method SP request-target SP HTTP-version": ${problems.map((problem) => problem.text).join('; ')}. ${envoy}`,
      },
    ];
  },
};
