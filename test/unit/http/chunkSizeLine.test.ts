/**
 * The chunk-size line in the parser: whatever follows `;` is a chunk extension, even bytes that
 * are not allowed there (a bare CR). Framing goes on, so the rules report the extension on its
 * bytes (chunk-extension-abuse) instead of the parse stopping as if the size were invalid.
 */
import * as assert from 'node:assert/strict';
import { ParseIssueCode, type HttpMessage } from '../../../server/src/http/httpMessage';
import { parseHttpMessage } from '../../../server/src/http/parseHttpMessage';
import { bytes } from '../helpers';

function parse(raw: string): HttpMessage {
  const outcome = parseHttpMessage(bytes(raw), 0, 'response');
  if (!('message' in outcome)) throw new Error(`not a message: ${JSON.stringify(outcome)}`);
  return outcome.message;
}

describe('parseHttpMessage: chunk-size lines', () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

  it('keeps framing across an extension that holds a bare CR', () => {
    const message = parse(`${head}5;a=x\ry\r\nhello\r\n0\r\n\r\n`);
    assert.equal(message.complete, true);
    assert.deepEqual(message.issues, []);
    assert.deepEqual(message.chunks.map((c) => [c.size, c.sizeLine.offset, c.sizeLine.length]), [
      [5, head.length, 7],
      [0, head.length + 16, 1],
    ]);
  });

  it('still stops at a size that is not hex, and at one that is not followed by ";" or blanks', () => {
    for (const line of ['fx', '5 x', '5\rx', '0x5']) {
      const message = parse(`${head}${line}\r\nhello\r\n0\r\n\r\n`);
      assert.equal(message.complete, false, line);
      assert.deepEqual(message.issues.map((i) => [i.code, i.offset, i.length]), [[ParseIssueCode.InvalidChunkSize, head.length, line.length]], line);
    }
  });
});
