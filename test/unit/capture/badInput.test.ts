/**
 * The bad-input matrix on the language server's path (docs/reliability.md): the CaptureStore
 * the server asks, and the reads behind a follow after the capture was indexed. Whatever the
 * CLI prints, the server's request fails with the same sentence (its ResponseError message) or
 * returns the same partial results and warnings; a file deleted, cut or rewritten after it was
 * indexed is refused by name instead of being read as garbage.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeCaptureFile, CaptureFileError } from '../../../server/src/analysis/analyzeCapture';
import { analyzeIndexedStream } from '../../../server/src/capture/analyzeStream';
import { buildCaptureIndex, type CaptureIndex } from '../../../server/src/capture/captureIndex';
import { classifyHead } from '../../../server/src/capture/fileSignature';
import { IndexedStreamMap } from '../../../server/src/capture/indexedAnalysis';
import { readStreamSegments } from '../../../server/src/capture/packetReader';
import { scanCapture } from '../../../server/src/capture/scan';
import { CaptureStore } from '../../../server/src/lsp/captureStore';
import { writeBadInputs, type BadInputs } from '../../cli/badInputFiles';
import { captureLayout } from '../../fuzz/captureMutations';
import { sample } from '../helpers';

async function indexOf(file: string): Promise<CaptureIndex> {
  const outcome = await buildCaptureIndex(file);
  assert.ok('index' in outcome, `${file} is read directly`);
  return outcome.index;
}

function rejectsWith(sentence: string | RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof CaptureFileError, `a CaptureFileError, not ${String(error)}`);
    if (typeof sentence === 'string') assert.equal(error.message, sentence);
    else assert.match(error.message, sentence);
    return true;
  };
}

describe('capture: bad input on the server path', function () {
  this.timeout(30_000);
  let tmp: string;
  let files: BadInputs;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-bad-server-'));
    files = writeBadInputs(path.join(tmp, 'files'));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the CaptureStore (what wirelens/openCapture answers) fails with the CLI\'s sentence', async () => {
    const store = new CaptureStore();
    await assert.rejects(store.open(files.empty, {}), rejectsWith(`${files.empty} is empty (0 bytes), not a capture.`));
    await assert.rejects(store.open(files.json, {}), rejectsWith(`${files.json} is not a capture: it is JSON text.`));
    await assert.rejects(store.open(files.sevenBytes, {}), rejectsWith(`${files.sevenBytes} is only 7 bytes long: too short to be a capture file.`));
    await assert.rejects(store.open(files.cutInFileHeader, {}), rejectsWith(/is a pcap file cut short in its 24-byte file header \(it has 12 bytes\)/));
    await assert.rejects(store.open(files.text, {}), rejectsWith(/is not a capture file that tshark can read .*: it looks like text\.$/));
  });

  it('the CaptureStore gives partial results with the warning for a damaged capture', async () => {
    const analysis = await new CaptureStore().open(files.pcapngBadBlockLength, {});
    assert.equal(analysis.summary.packets, files.cutFrame - 1);
    assert.equal(analysis.conversations.length, 1);
    assert.match(analysis.summary.warnings.join('\n'), new RegExp(`is damaged at byte ${files.pcapngBadBlockAt} .*results are partial`));
  });

  for (const name of ['cutInRecordHeader', 'cutInRecordData', 'pcapngBadBlockLength'] as const) {
    it(`${name}: the direct reader and tshark read the same packets before the problem, and both warn`, async () => {
      const direct = await analyzeCaptureFile(files[name]);
      const tshark = await analyzeCaptureFile(files[name], { direct: false });
      assert.equal(direct.summary.packets, files.cutFrame - 1);
      assert.equal(tshark.summary.packets, direct.summary.packets);
      assert.deepEqual(tshark.findings, direct.findings);
      assert.equal(direct.summary.warnings.length, 1);
      assert.equal(tshark.summary.warnings.length, 1, 'tshark stopped early too, and said so');
      assert.match(tshark.summary.warnings[0], /results are partial/);
    });
  }

  it('a damaged capture with TLS: the TLS pass (tshark) stops where the reader did, results stay partial', async () => {
    const bytes = fs.readFileSync(sample('tls-incident.pcapng'));
    const blocks = captureLayout(bytes, 'pcapng').units;
    const broken = blocks[Math.floor(blocks.length * 0.75)];
    bytes.writeUInt32LE(62, broken.start + 4);
    const file = path.join(tmp, 'tls-damaged.pcapng');
    fs.writeFileSync(file, bytes);
    const whole = await analyzeCaptureFile(sample('tls-incident.pcapng'));
    const analysis = await analyzeCaptureFile(file, { tlsKeyLogFile: sample('tls-incident.keys') });
    assert.deepEqual(analysis.summary.warnings, [
      `${file} is damaged at byte ${broken.start} (a pcapng block claims a length of 62 bytes, not a multiple of 4): only the ${analysis.index!.frames} frames before it were read, so results are partial.`,
    ]);
    assert.ok(analysis.summary.packets > 0 && analysis.summary.packets < whole.summary.packets);
    assert.ok(analysis.conversations.some((c) => c.tls), 'the TLS facts of what was read are there');
  });

  describe('a capture changed after it was indexed (follow reads it again)', () => {
    let copy: string;
    let index: CaptureIndex;
    beforeEach(async () => {
      copy = path.join(tmp, `changing-${Date.now()}.pcap`);
      fs.copyFileSync(files.good, copy);
      index = await indexOf(copy);
    });

    it('deleted: the follow says so, by name', () => {
      fs.rmSync(copy);
      assert.throws(() => analyzeIndexedStream(index, 0), rejectsWith(`${copy} was deleted or moved after Wirelens opened it.`));
      assert.throws(() => new IndexedStreamMap(index, new Map()).get(0), CaptureFileError);
    });

    it('truncated: refused with the sizes, not read short', () => {
      const size = fs.statSync(copy).size;
      fs.truncateSync(copy, size - 100);
      assert.throws(() => readStreamSegments(index, 0), rejectsWith(`${copy} changed after Wirelens opened it (it was ${size} bytes, it is ${size - 100} now): open it again.`));
    });

    it('rewritten in place with other bytes of the same size: refused', () => {
      const bytes = fs.readFileSync(copy);
      bytes.fill(0x41, 24);
      fs.writeFileSync(copy, bytes);
      fs.utimesSync(copy, new Date(), new Date(Date.now() + 5000));
      assert.throws(() => analyzeIndexedStream(index, 0), rejectsWith(`${copy} changed after Wirelens opened it (it was rewritten): open it again.`));
    });

    it('appended to (a capture still being written): the indexed packets are still read', () => {
      fs.appendFileSync(copy, Buffer.alloc(64));
      const analysis = analyzeIndexedStream(index, 0);
      assert.equal(analysis?.findings[0]?.ruleId, 'duplicate-transfer-encoding');
    });

    it('truncated under a scan worker: the worker\'s refusal reaches the caller as the same kind of error', async () => {
      fs.truncateSync(copy, 100);
      await assert.rejects(scanCapture(index, { workers: 1 }), rejectsWith(new RegExp(`^${copy} changed after Wirelens opened it \\(it ends before byte \\d+ now\\): open it again\\.$`)));
    });
  });

  describe('classifyHead: what the first bytes say', () => {
    const head = (bytes: number[] | string) => (typeof bytes === 'string' ? Buffer.from(bytes) : Uint8Array.from(bytes));
    const cases: [string, Uint8Array, number, string][] = [
      ['pcap, little-endian, µs', head([0xd4, 0xc3, 0xb2, 0xa1]), 24, 'direct'],
      ['pcap, big-endian, µs', head([0xa1, 0xb2, 0xc3, 0xd4]), 24, 'direct'],
      ['pcap, little-endian, ns', head([0x4d, 0x3c, 0xb2, 0xa1]), 24, 'direct'],
      ['pcap, big-endian, ns', head([0xa1, 0xb2, 0x3c, 0x4d]), 24, 'direct'],
      ['pcapng section header', head([0x0a, 0x0d, 0x0d, 0x0a]), 28, 'direct'],
      ['pcap magic in a 10-byte file (cut short: the reader says where)', head([0xd4, 0xc3, 0xb2, 0xa1, 0, 0, 0, 0, 0, 0]), 10, 'direct'],
      ['empty', head([]), 0, 'refuse is empty (0 bytes), not a capture'],
      ['15 bytes', head('fifteen bytes!!'), 15, 'refuse is only 15 bytes long: too short to be a capture file'],
      ['gzip', head([0x1f, 0x8b, 8, 0]), 1000, 'tshark gzip-compressed data'],
      ['zstd', head([0x28, 0xb5, 0x2f, 0xfd]), 1000, 'tshark zstd-compressed data'],
      ['xz', head([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), 1000, 'tshark xz-compressed data'],
      ['zip', head('PK\x03\x04rest'), 1000, 'refuse is not a capture: it is a ZIP archive (extract the capture from it first)'],
      ['PDF', head('%PDF-1.7\n'), 1000, 'refuse is not a capture: it is a PDF document'],
      ['PNG', head([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), 1000, 'refuse is not a capture: it is a PNG image'],
      ['ELF', head([0x7f, 0x45, 0x4c, 0x46, 2, 1]), 1000, 'refuse is not a capture: it is an ELF executable'],
      ['MP4', head([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]), 1000, 'refuse is not a capture: it is an MP4/QuickTime media file'],
      ['JSON', head('  \n{"a": 1}'), 1000, 'refuse is not a capture: it is JSON text'],
      ['HTML', head('<!DOCTYPE html>\n<html>'), 1000, 'refuse is not a capture: it is an HTML page'],
      ['XML (3GPP nettrace is XML: tshark decides)', head('<?xml version="1.0"?>\n<traceCollec>'), 1000, 'tshark XML text'],
      ['text (K12 text and hex dumps are text: tshark decides)', head('+---------+---------------+----------+\n'), 1000, 'tshark text'],
      ['UTF-8 text', head('naïve café notes\n'), 1000, 'tshark text'],
      ['binary of no known kind', head([0x00, 0x01, 0x02, 0xff, 0xfe]), 1000, 'tshark'],
    ];
    for (const [what, bytes, size, expected] of cases) {
      it(what, () => {
        const verdict = classifyHead(bytes, size);
        const said = verdict.verdict === 'refuse' ? `refuse ${verdict.why}` : verdict.verdict === 'tshark' ? `tshark${verdict.looksLike ? ` ${verdict.looksLike}` : ''}` : 'direct';
        assert.equal(said, expected);
      });
    }
  });
});
