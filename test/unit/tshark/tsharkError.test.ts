import * as assert from 'node:assert/strict';
import { classifyTsharkExit, isPartialReadWarning, isTruncationWarning, meaningfulStderr, partialReadWarning } from '../../../server/src/tshark/tsharkError';

const ROOT = 'Running as user "root" and group "root". This could be dangerous.\n';

/** stderr lines as tshark 4.0 prints them. */
const CASES: readonly { name: string; stderr: string; failure: string; message: RegExp }[] = [
  {
    name: 'not a capture file',
    stderr: `${ROOT}tshark: The file "notes.txt" isn't a capture file in a format TShark understands.\n`,
    failure: 'not-a-capture',
    message: /^notes\.txt is not a capture file that tshark can read/,
  },
  {
    name: 'missing file',
    stderr: `${ROOT}tshark: The file "/nope.pcap" doesn't exist.\n`,
    failure: 'failed',
    message: /^notes\.txt does not exist\.$/,
  },
  {
    name: 'permission denied, as tshark 4.0 words it (seen running as an unprivileged user)',
    stderr: `tshark: You don't have permission to read the file "/tmp/p.pcapng".\n`,
    failure: 'failed',
    message: /^notes\.txt cannot be read: permission denied\.$/,
  },
  {
    name: 'permission denied, strerror wording',
    stderr: 'tshark: The file "x.pcap" could not be opened: Permission denied.\n',
    failure: 'failed',
    message: /^notes\.txt cannot be read: permission denied\.$/,
  },
  {
    name: 'a directory',
    stderr: `${ROOT}tshark: "d" is a directory (folder), not a file.\n`,
    failure: 'failed',
    message: /^tshark could not read notes\.txt: tshark: "d" is a directory \(folder\), not a file\.$/,
  },
];

describe('classifyTsharkExit', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const error = classifyTsharkExit('notes.txt', 2, c.stderr);
      assert.equal(error.failure, c.failure);
      assert.match(error.message, c.message);
      assert.ok(!error.stderr.includes('Running as user'), 'the root warning is not part of the detail');
      assert.ok(!error.message.includes('\n'), 'one sentence');
    });
  }

  it('empty stderr names the exit code', () => {
    const error = classifyTsharkExit('x.pcap', 139, ROOT);
    assert.equal(error.failure, 'failed');
    assert.equal(error.message, 'tshark could not read x.pcap: exit code 139');
  });
});

describe('meaningfulStderr / isTruncationWarning / isPartialReadWarning', () => {
  it('drops the root warning and blank lines', () => {
    assert.equal(meaningfulStderr(`${ROOT}\n  \ntshark: something\n`), 'tshark: something');
  });

  it('recognises a capture cut short', () => {
    assert.ok(isTruncationWarning('tshark: The file "t.pcapng" appears to have been cut short in the middle of a packet.'));
    assert.ok(!isTruncationWarning(`tshark: The file "x" doesn't exist.`));
  });

  it('counts a file damaged further on as a partial read too, not a missing one', () => {
    assert.ok(isPartialReadWarning('tshark: The file "t.pcapng" appears to have been cut short in the middle of a packet.'));
    assert.ok(isPartialReadWarning('tshark: The file "t.pcapng" appears to be damaged or corrupt.\n(pcapng: total block length 62 is not a multiple of 4)'));
    assert.ok(!isTruncationWarning('tshark: The file "t.pcapng" appears to be damaged or corrupt.'));
    assert.ok(!isPartialReadWarning(`tshark: The file "x" doesn't exist.`));
  });

  it('turns tshark\'s partial read into one sentence naming the file once, with tshark\'s detail', () => {
    assert.equal(
      partialReadWarning('/c/t.pcapng', `${ROOT}tshark: The file "/c/t.pcapng" appears to be damaged or corrupt.\n(pcapng: total block length 64 of an EPB is too small for 144 bytes of packet data)\n`),
      '/c/t.pcapng appears to be damaged or corrupt (pcapng: total block length 64 of an EPB is too small for 144 bytes of packet data): tshark stopped there, so results are partial.',
    );
    assert.equal(
      partialReadWarning('cut.pcap', 'tshark: The file "cut.pcap" appears to have been cut short in the middle of a packet.\n'),
      'cut.pcap appears to have been cut short in the middle of a packet: tshark stopped there, so results are partial.',
    );
  });
});
