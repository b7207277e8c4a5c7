import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildWiresharkArgs, findOnPath, openInWireshark } from '../../../server/src/tshark/wireshark';

/**
 * Wireshark itself is a GUI and is not installed here: a small executable named `wireshark` on a
 * PATH of our own records the argv it is started with, which is what these tests check.
 */
describe('Open in Wireshark', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-wireshark-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakeWireshark(): string {
    const record = path.join(dir, 'argv.json');
    const program = path.join(dir, 'wireshark');
    fs.writeFileSync(program, `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`, { mode: 0o755 });
    return record;
  }

  it('buildWiresharkArgs filters to the conversation', () => {
    assert.deepEqual(buildWiresharkArgs('/c.pcapng', 3), ['-r', '/c.pcapng', '-Y', 'tcp.stream eq 3']);
    assert.deepEqual(buildWiresharkArgs('/c.pcapng'), ['-r', '/c.pcapng']);
  });

  it('findOnPath finds only executable files', async () => {
    assert.equal(await findOnPath('wireshark', { PATH: dir }), undefined);
    fs.writeFileSync(path.join(dir, 'wireshark'), '', { mode: 0o644 });
    assert.equal(await findOnPath('wireshark', { PATH: dir }), undefined, 'not executable');
    fs.chmodSync(path.join(dir, 'wireshark'), 0o755);
    assert.equal(await findOnPath('wireshark', { PATH: `/nonexistent${path.delimiter}${dir}` }), path.join(dir, 'wireshark'));
  });

  it('starts it detached with an argv (a hostile file name stays one argument, no shell)', async () => {
    const record = fakeWireshark();
    const capture = path.join(dir, 'a $(touch pwned) `id`; "b".pcapng');
    const started = await openInWireshark(capture, 2, { PATH: dir });
    assert.equal(started, path.join(dir, 'wireshark'));
    for (let i = 0; i < 100 && !fs.existsSync(record); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(JSON.parse(fs.readFileSync(record, 'utf8')), ['-r', capture, '-Y', 'tcp.stream eq 2']);
    assert.ok(!fs.existsSync(path.join(process.cwd(), 'pwned')) && !fs.existsSync(path.join(dir, 'pwned')));
  });

  it('says so when Wireshark is not on PATH', async () => {
    await assert.rejects(openInWireshark('/c.pcapng', 0, { PATH: dir }), /Wireshark is not on PATH/);
  });
});
