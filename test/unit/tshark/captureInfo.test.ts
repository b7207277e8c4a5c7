/** The header's link type and time span from capinfos, checked against tshark's first and last frame. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { captureFileFacts, parseCaptureInfo } from '../../../server/src/tshark/captureInfo';
import { sample, sharedCapturesDir, tshark } from '../helpers';

describe('tshark/captureInfo', () => {
  for (const file of [sample('incident-wrong.pcapng'), path.join(sharedCapturesDir(), 'zeek--get.pcap')]) {
    it(`${path.basename(file)}: Ethernet, first and last packet as tshark reads them`, async () => {
      const facts = await captureFileFacts(file);
      assert.equal(facts.linkType, 'Ethernet');
      const times = tshark(['-r', file, '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n').map(Number);
      assert.ok(Math.abs(facts.firstTime! - times[0]) < 1e-6, `${facts.firstTime} vs ${times[0]}`);
      assert.ok(Math.abs(facts.lastTime! - times[times.length - 1]) < 1e-6);
    });
  }

  it('no facts (not an error) for a file capinfos cannot read', async () => {
    assert.deepEqual(await captureFileFacts('/nonexistent/capture.pcap'), {});
  });

  it('ignores lines it does not know and values that are not times', () => {
    assert.deepEqual(parseCaptureInfo('File name:  x\nFile encapsulation:  Linux cooked-mode capture v2\nFirst packet time:  n/a\n'), { linkType: 'Linux cooked-mode capture v2' });
  });
});
