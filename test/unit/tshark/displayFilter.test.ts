/**
 * Wireshark display filters through the real tshark: the streams a filter keeps, tshark's own
 * message for a bad filter, and a run that is cancelled ends its tshark.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { buildDisplayFilterArgs, streamsMatching } from '../../../server/src/tshark/displayFilter';
import { TsharkError } from '../../../server/src/tshark/tsharkError';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { processTable } from '../../live/processTable';
import { sample } from '../helpers';

function tsharkProcessesReading(file: string): number {
  return processTable().filter((p) => p.name === 'tshark' && p.argv.includes(file)).length;
}

describe('tshark/displayFilter', function () {
  this.timeout(120_000);
  let tmp: string;
  let generated: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-dfilter-'));
    generated = path.join(tmp, 'generated.pcap');
    generateCapture({ file: generated, targetBytes: 3_000_000, seed: 78, anomalyRate: 0.05 });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('passes the expression to -Y as one argument and asks only for tcp.stream', () => {
    assert.deepEqual(buildDisplayFilterArgs('/x.pcap', 'http.request.method == "POST" && tcp.port == 80'), [
      '-r', '/x.pcap', '-Y', 'http.request.method == "POST" && tcp.port == 80', '-T', 'fields', '-e', 'tcp.stream',
    ]);
  });

  it('keeps exactly the streams whose requests our parser reads as POST (generated capture)', async () => {
    const outcome = await streamsMatching(generated, 'http.request.method == "POST"');
    assert.ok('streams' in outcome);
    const analysis = await analyzeCaptureFile(generated);
    const posts = analysis.conversations.filter((row) => row.exchanges.some((e) => e.method === 'POST')).map((row) => row.stream);
    assert.ok(posts.length > 0);
    assert.deepEqual([...outcome.streams].sort((a, b) => a - b), posts);
  });

  it('a field test on a real capture: the incident\'s one stream, and none for a port it does not use', async () => {
    const file = sample('incident-wrong.pcapng');
    const kept = await streamsMatching(file, 'http.response.code == 200');
    assert.ok('streams' in kept);
    assert.deepEqual([...kept.streams], [0]);
    const none = await streamsMatching(file, 'tcp.port == 1');
    assert.ok('streams' in none);
    assert.equal(none.streams.size, 0);
  });

  it('returns tshark\'s words for a bad filter (markup kept verbatim: the webview shows it as text)', async () => {
    const file = sample('incident-wrong.pcapng');
    const incomplete = await streamsMatching(file, 'http.request.method ==');
    assert.ok('error' in incomplete);
    assert.match(incomplete.error, /Unexpected end of filter expression/);
    const unknown = await streamsMatching(file, 'no.such.field');
    assert.ok('error' in unknown);
    assert.match(unknown.error, /no\.such\.field is neither a field nor a protocol name/);
    const markup = await streamsMatching(file, '<img src=x onerror=alert(1)>');
    assert.ok('error' in markup);
    assert.ok(markup.error.includes('<img src=x onerror=alert(1)>'), markup.error);
    assert.doesNotMatch(markup.error, /Running as user/);
  });

  it('a file that is not a capture is an error about the file, not about the filter', async () => {
    const notCapture = path.join(tmp, 'text.pcap');
    fs.writeFileSync(notCapture, 'this is not a capture\n');
    await assert.rejects(streamsMatching(notCapture, 'tcp'), (error: unknown) => error instanceof TsharkError && error.failure === 'not-a-capture');
  });

  it('a cancelled run rejects and leaves no tshark behind', async () => {
    const big = path.join(tmp, 'big.pcap');
    generateCapture({ file: big, targetBytes: 40_000_000, seed: 79 });
    const controller = new AbortController();
    const run = streamsMatching(big, 'http.request');
    const cancelled = streamsMatching(big, 'http.response', { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(cancelled, (error: unknown) => error instanceof TsharkError && error.failure === 'cancelled');
    const outcome = await run;
    assert.ok('streams' in outcome && outcome.streams.size > 0, 'the other run finished');
    assert.equal(tsharkProcessesReading(big), 0);
  });
});
