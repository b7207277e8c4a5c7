/**
 * The record walk: records of any size across chunk boundaries (double-buffered reads, tails
 * carried over, records larger than the carry-over reserve), files cut short, pcapng blocks that
 * are not packets, and custom blocks, which tshark 4.0 counts as frames.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecords, sniffCaptureFormat } from '../../../server/src/capture/recordReader';
import { pcapBytes, pcapngBytes } from './fixtures';

async function walk(file: string, chunkSize?: number) {
  const parser = await sniffCaptureFormat(file);
  assert.ok(parser);
  const seen: { frame: number; length: number; first: number; last: number; time: number; linkType: number }[] = [];
  const result = await readRecords(
    file,
    parser,
    (r, buf) => {
      seen.push({ frame: r.frame, length: r.capturedLength, first: buf[r.dataStart], last: buf[r.dataStart + r.capturedLength - 1], time: r.time, linkType: r.linkType });
    },
    { chunkSize },
  );
  return { seen, result };
}

function frame(length: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(length).fill(fill);
  bytes[0] = fill ^ 0xff;
  return bytes;
}

describe('capture/recordReader', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-records-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('walks records of every size across small chunks, larger than the carry-over reserve too', async () => {
    const sizes = [60, 1514, 300_000, 40, 700_000, 9000, 62, 5];
    const file = path.join(tmp, 'sizes.pcap');
    fs.writeFileSync(file, pcapBytes(1, sizes.map((size, i) => ({ time: 1000 + i / 4, bytes: frame(size, i + 1) })), { snapLength: 1 << 20 }));
    for (const chunk of [4096, 65536, undefined]) {
      const { seen, result } = await walk(file, chunk);
      assert.equal(result.frames, sizes.length);
      assert.equal(result.problem, undefined);
      assert.deepEqual(
        seen.map((s) => [s.frame, s.length, s.first, s.last, s.time]),
        sizes.map((size, i) => [i + 1, size, (i + 1) ^ 0xff, size === 1 ? (i + 1) ^ 0xff : i + 1, 1000 + i / 4]),
        `chunk ${chunk}`,
      );
    }
  });

  it('a file cut in the middle of a record: the records before it, and where the cut is', async () => {
    const file = path.join(tmp, 'cut.pcap');
    const bytes = pcapBytes(1, [100, 200, 300].map((n, i) => ({ time: 1 + i, bytes: frame(n, i + 1) })));
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 50));
    const { seen, result } = await walk(file, 4096);
    assert.equal(seen.length, 2);
    // The third record starts after the file header and two records (16-byte headers).
    const third = 24 + 16 + 100 + 16 + 200;
    assert.deepEqual(result.problem, { kind: 'cut', offset: third, end: bytes.length - 50, have: bytes.length - 50 - third, need: 16 + 300 });
  });

  it('a damaged record: the records before it, and the damage with its offset', async () => {
    const file = path.join(tmp, 'damaged.pcapng');
    const frames = [100, 200, 300].map((n, i) => ({ time: 1 + i, bytes: frame(n, i + 1) }));
    const bytes = pcapngBytes([{ interfaces: [{ linkType: 1 }], frames }]);
    // Section header (28 bytes), interface (20), then packet blocks of 32 + padded data: break the second one's length.
    const second = 28 + 20 + 32 + 100;
    bytes.writeUInt32LE(7, second + 4);
    fs.writeFileSync(file, bytes);
    for (const chunk of [64, 4096]) {
      const { seen, result } = await walk(file, chunk);
      assert.equal(seen.length, 1, `chunk ${chunk}`);
      assert.deepEqual(result.problem, { kind: 'damaged', offset: second, reason: 'a pcapng block claims a length of 7 bytes, less than a block header and trailer take' });
    }
  });

  it('pcapng blocks too short for their own fields are damage, never a read of the next block (fuzz case pcapng:41456)', async () => {
    const frames = [{ time: 1, bytes: frame(80, 1) }];
    // Section header 28 bytes, then the interface description (20 bytes, 32 with an if_tsresol option), then the packet.
    const cases: [string, Buffer, number, string][] = [];
    const idb = pcapngBytes([{ interfaces: [{ linkType: 1 }], frames }]);
    idb.writeUInt32LE(12, 28 + 4);
    cases.push(['interface block of 12 bytes', idb, 28, 'a pcapng interface description block of 12 bytes is too short to hold its fields']);
    const option = pcapngBytes([{ interfaces: [{ linkType: 1, tsresol: 9 }], frames }]);
    option.writeUInt16LE(200, 28 + 16 + 2); // if_tsresol claims 200 bytes inside a 32-byte block
    cases.push(['interface option longer than its block', option, 28, 'a pcapng interface option (code 9, 200 bytes) runs past the end of its block']);
    const spb = pcapngBytes([{ interfaces: [{ linkType: 1 }], frames: frames.map((f) => ({ ...f, block: 'spb' as const })) }]);
    spb.writeUInt32LE(12, 28 + 20 + 4);
    cases.push(['simple packet block of 12 bytes', spb, 48, 'a pcapng simple packet block of 12 bytes is too short to hold its fields']);
    for (const [what, bytes, offset, reason] of cases) {
      const file = path.join(tmp, 'short-block.pcapng');
      fs.writeFileSync(file, bytes);
      for (const chunk of [20, 4096]) {
        const { seen, result } = await walk(file, chunk);
        assert.equal(seen.length, 0, what);
        assert.deepEqual(result.problem, { kind: 'damaged', offset, reason }, `${what}, chunk ${chunk}`);
      }
    }
  });

  it('pcapng: interface and other blocks are stepped over, custom blocks are frames without a packet', async () => {
    const file = path.join(tmp, 'blocks.pcapng');
    fs.writeFileSync(
      file,
      pcapngBytes([
        { interfaces: [{ linkType: 1, tsresol: 9 }, { linkType: 113 }], extraBlocks: true, frames: [{ time: 5.5, bytes: frame(80, 1) }, { time: 6.25, bytes: frame(90, 2), iface: 1 }] },
        { littleEndian: false, interfaces: [{ linkType: 101 }], frames: [{ time: 7, bytes: frame(70, 3) }] },
      ]),
    );
    const { seen } = await walk(file, 4096);
    // The custom block comes before the packets of the first section: frame 1, no link type.
    assert.deepEqual(
      seen.map((s) => [s.frame, s.linkType, s.length]),
      [
        [1, -1, 0],
        [2, 1, 80],
        [3, 113, 90],
        [4, 101, 70],
      ],
    );
    assert.deepEqual(seen.slice(1).map((s) => s.time), [5.5, 6.25, 7]);
  });

  it('anything but pcap and pcapng is left to tshark', async () => {
    const file = path.join(tmp, 'notes.txt');
    fs.writeFileSync(file, 'not a capture\n');
    assert.equal(await sniffCaptureFormat(file), undefined);
  });
});
