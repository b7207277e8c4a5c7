/**
 * The CLI's text output on samples/hostile-payloads.pcapng (scripts/make-hostile-sample.mjs):
 * packet bytes that a terminal would act on (ESC sequences that clear the screen, write the
 * clipboard or plant a hyperlink; 8-bit C1 controls; bidi overrides; NUL) reach stdout only as
 * visible escapes. Read as bytes (latin1) so nothing is lost or normalised on the way.
 */
import * as assert from 'node:assert/strict';
import { sample } from '../unit/helpers';
import { runWirelens } from './runWirelens';

const CAPTURE = sample('hostile-payloads.pcapng');

const wirelens = async (...args: string[]): Promise<{ code: number; bytes: Buffer; text: string }> => {
  const run = await runWirelens(args, { maxBuffer: 16 * 1024 * 1024, encoding: 'latin1' });
  assert.equal(run.stderr, '', `${args.join(' ')} wrote to stderr`);
  const bytes = Buffer.from(run.stdout, 'latin1');
  return { code: run.code, bytes, text: bytes.toString('utf8') };
};

/** What a terminal could interpret, as UTF-8 text and as single bytes; each hit says where it is. */
function terminalControls(bytes: Buffer): string[] {
  const hits: string[] = [];
  const text = bytes.toString('utf8');
  // C0 except TAB and LF, DEL, C1, the bidi embeddings/overrides/isolates and marks, U+FFFD (a byte that was not UTF-8).
  const control = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/gu;
  for (const match of text.matchAll(control)) {
    hits.push(`U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${match.index}: …${JSON.stringify(text.slice(Math.max(0, match.index - 20), match.index + 20))}`);
  }
  return hits;
}

describe('hostile payloads on the command line', function () {
  this.timeout(60_000);

  it('analyze --format text: findings quote the escapes, never the raw bytes', async () => {
    const { code, bytes, text } = await wirelens('analyze', CAPTURE, '--format', 'text');
    assert.equal(code, 1, 'the capture has findings');
    assert.deepEqual(terminalControls(bytes), []);
    // The escaped forms are there, so the bytes were shown, not dropped.
    assert.ok(text.includes('X-Ansi: \\x1b[2J\\x1b[1;31mCLEARED\\x1b[0m'), 'the ANSI header is quoted escaped');
    assert.ok(text.includes('X-Osc52: \\x1b]52;c;cHduZWQ=\\x07'), 'the OSC 52 clipboard write is quoted escaped');
    assert.ok(text.includes('GET /invoice\\xe2\\x80\\xaegpj.exe\\xe2\\x81\\xa6 HTTP/1.1'), 'the bidi target is quoted escaped');
    assert.ok(text.includes('X-Nul: before\\x00after'), 'NUL is quoted escaped');
    assert.match(text, /Field name "<svg onload=window\.__pwned=3>" is not a token/);
  });

  for (const [stream, expected] of [
    [0, ['GET /<script>window.__pwned=1</script> HTTP/1.1', 'X-Img: <img src=x onerror="window.__pwned=2">']],
    [1, ['GET javascript:window.__pwned=4// HTTP/1.1', 'Location: javascript:window.__pwned=6']],
    [2, ['GET /ansi\\x1b[2J\\x1b[31m HTTP/1.1', 'X-Osc8: \\x1b]8;;https://evil.invalid/\\x07click me\\x1b]8;;\\x07', 'X-C1: \\x9b2J \\xc2\\x9b2J', 'X-Title: \\x1b]0;pwned\\x07']],
    [3, ['X-Bidi: user\\xe2\\x80\\xaetxt.exe\\xe2\\x81\\xa6\\xe2\\x81\\xa9', 'nul:\\x00\\x00\\x00:end']],
  ] as const) {
    it(`follow ${stream} --format text: the stream document shows escapes for every control byte`, async () => {
      const { code, bytes, text } = await wirelens('follow', CAPTURE, String(stream), '--format', 'text');
      assert.equal(code, 0);
      assert.deepEqual(terminalControls(bytes), []);
      for (const line of expected) assert.ok(text.split('\n').includes(line), `no line ${JSON.stringify(line)}`);
    });
  }

  it('follow --format text: a 100 KB header line comes out whole, on one line', async () => {
    const { code, bytes, text } = await wirelens('follow', CAPTURE, '4', '--format', 'text');
    assert.equal(code, 0);
    assert.deepEqual(terminalControls(bytes), []);
    assert.ok(text.split('\n').includes(`X-Long: ${'A'.repeat(100 * 1024)}`));
  });
});
