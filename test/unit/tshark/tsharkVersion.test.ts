/** The tshark version check (docs/reliability.md): too old, not tshark at all, and versions that will do. */
import * as assert from 'node:assert/strict';
import { TsharkError } from '../../../server/src/tshark/tsharkError';
import { checkTsharkVersion, MIN_TSHARK_VERSION } from '../../../server/src/tshark/tsharkRunner';

const banner = (version: string) => `TShark (Wireshark) ${version} (Git v${version} packaged as ${version}-1).\n\nCopyright 1998-2025 Gerald Combs and contributors.\n`;

describe('checkTsharkVersion', () => {
  it('accepts the minimum and anything newer, and answers the version', () => {
    assert.deepEqual(MIN_TSHARK_VERSION, [3, 0]);
    assert.equal(checkTsharkVersion('tshark', banner('3.0.0')), '3.0.0');
    assert.equal(checkTsharkVersion('tshark', banner('4.0.17')), '4.0.17');
    assert.equal(checkTsharkVersion('tshark', banner('10.2.1')), '10.2.1');
  });

  it('refuses an older tshark with a too-old error naming both versions and the binary', () => {
    for (const version of ['2.6.20', '1.12.1', '0.99.0']) {
      assert.throws(
        () => checkTsharkVersion('/opt/old/tshark', banner(version)),
        (error: unknown) =>
          error instanceof TsharkError &&
          error.failure === 'too-old' &&
          error.message === `tshark ${version} (/opt/old/tshark) is too old: Wirelens needs tshark 3.0 or newer. Install a newer Wireshark or set wirelens.tsharkPath.`,
      );
    }
  });

  it('refuses a binary whose --version is not tshark\'s', () => {
    assert.throws(
      () => checkTsharkVersion('/usr/bin/true', ''),
      (error: unknown) => error instanceof TsharkError && error.message === '/usr/bin/true does not look like tshark: "/usr/bin/true --version" printed "".',
    );
    assert.throws(() => checkTsharkVersion('wireshark-cli', 'Wireshark 4.0.17 (Git v4.0.17)'), /does not look like tshark/);
  });
});
