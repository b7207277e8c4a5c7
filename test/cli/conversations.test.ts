/**
 * `wirelens conversations FILE` (the real bin/wirelens → dist/cli.js) against tshark's own
 * conversation table, on a sample and on a generated multi-stream capture.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConversationRow } from '../../server/src/cli/streamCommands';
import { generateCapture } from '../../scripts/bench/generateCapture';
import { framesOf, httpConnection, pcapBytes } from '../unit/capture/fixtures';
import { tsharkConversations } from '../unit/capture/tsharkOracle';
import { REPO_ROOT, sample } from '../unit/helpers';
import { runWirelens } from './runWirelens';

const wirelens = (...args: string[]) => runWirelens(args, { maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' });

interface ConversationsJson {
  readonly reader: 'index' | 'tshark';
  readonly packets: number;
  readonly conversations: readonly ConversationRow[];
}

describe('wirelens conversations', function () {
  this.timeout(60_000);
  let tmp: string;

  before(() => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is missing: build it with `node esbuild.mjs`');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-conversations-'));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('--format json: the incident sample, read from the index, as tshark counts it', async () => {
    const file = sample('incident-wrong.pcapng');
    const run = await wirelens('conversations', file, '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const parsed = JSON.parse(run.stdout) as ConversationsJson;
    assert.equal(parsed.reader, 'index');
    assert.equal(parsed.conversations.length, 1);
    const [row] = parsed.conversations;
    const [theirs] = tsharkConversations(file);
    assert.equal(row.stream, 0);
    assert.equal(`${row.client.address}:${row.client.port}`, theirs.a, 'the client sent the first packet (tshark puts it left)');
    assert.equal(row.clientKnown, true);
    assert.equal(row.packets, theirs.frames);
    assert.deepEqual(row.frames, { clientToServer: theirs.framesAToB, serverToClient: theirs.framesBToA });
    assert.equal(row.protocol, 'http');
    assert.ok(row.bytes > 0 && row.durationSeconds > 0);
  });

  it('text: a table with one row per conversation, as many as tshark finds', async () => {
    const file = path.join(tmp, 'generated.pcap');
    generateCapture({ file, targetBytes: 1_000_000, seed: 99, concurrency: 10 });
    const run = await wirelens('conversations', file);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ *stream +client +server +packets +bytes +start \(s\) +duration \(s\) +protocol$/);
    const rows = lines.slice(1, -1);
    assert.equal(rows.length, tsharkConversations(file).length);
    assert.match(rows[0], /^ +0 +10\.10\.\d+\.\d+:\d+ +10\.20\.0\.\d+:(80|8080) +\d+ +\d+ +0\.000000 +\d+\.\d{6} +http$/);
    assert.equal(lines[lines.length - 1], `${rows.length} TCP conversations.`);
  });

  it('a capture the direct reader cannot follow is listed by tshark', async () => {
    const file = path.join(tmp, 'gre.pcap');
    const inner = framesOf(httpConnection({ address: '10.0.0.1', port: 40000 }, { address: '10.0.0.2', port: 80 }), 'raw');
    const frames = inner.map(({ time, bytes }) => {
      const outer = new Uint8Array(20 + 4 + bytes.length);
      outer.set([0x45, 0, (24 + bytes.length) >> 8, (24 + bytes.length) & 0xff, 0, 0, 0x40, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
      outer.set([0, 0, 0x08, 0x00], 20);
      outer.set(bytes, 24);
      return { time, bytes: outer };
    });
    fs.writeFileSync(file, pcapBytes(101, frames));
    const run = await wirelens('conversations', file, '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const parsed = JSON.parse(run.stdout) as ConversationsJson;
    assert.equal(parsed.reader, 'tshark');
    assert.equal(parsed.conversations.length, 1);
    assert.equal(parsed.conversations[0].server.port, 80);
  });

  it('errors: one sentence naming the file, exit 2', async () => {
    const notes = path.join(tmp, 'notes.txt');
    fs.writeFileSync(notes, 'These are meeting notes, not packets.\n');
    const missing = await wirelens('conversations', path.join(tmp, 'nope.pcap'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^wirelens: .*nope\.pcap does not exist\.\n$/);
    const notCapture = await wirelens('conversations', notes);
    assert.equal(notCapture.code, 2);
    assert.match(notCapture.stderr, /notes\.txt is not a capture file/);
    const usage = await wirelens('conversations', notes, '--format', 'sarif');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--format must be one of text, json/);
    assert.match((await wirelens('conversations')).stderr, /conversations takes exactly one capture file/);
  });
});
