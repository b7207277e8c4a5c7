/**
 * The conversation table's server-side sort and text filter on real analyses: a generated capture
 * (scripts/bench/generateCapture.ts, seeded) with hundreds of conversations and planted findings,
 * and the samples with several streams.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConversationColumn, ConversationSummary } from '../../../protocol/model';
import { analyzeCaptureFile, type CaptureAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { endpointText, orderConversations, searchableText } from '../../../server/src/analysis/conversationQuery';
import { generateCapture } from '../../../scripts/bench/generateCapture';
import { sample } from '../helpers';

const COLUMNS: ConversationColumn[] = ['stream', 'client', 'server', 'packets', 'bytes', 'duration', 'http', 'findings'];

/** Numeric columns compare as numbers; the others are checked by their own order below. */
const NUMERIC: Partial<Record<ConversationColumn, (row: ConversationSummary) => number>> = {
  stream: (row) => row.stream,
  packets: (row) => row.packets,
  bytes: (row) => row.bytes,
  duration: (row) => row.durationSeconds,
  findings: (row) => row.findingCount,
};

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

describe('analysis/conversationQuery: sort and text filter', function () {
  this.timeout(60_000);
  let tmp: string;
  let generated: CaptureAnalysis;
  const ruleIds = (analysis: CaptureAnalysis) => (stream: number) => analysis.findings.filter((f) => f.stream === stream).map((f) => f.ruleId);

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-query-'));
    const file = path.join(tmp, 'generated.pcap');
    generateCapture({ file, targetBytes: 3_000_000, seed: 77, anomalyRate: 0.05 });
    generated = await analyzeCaptureFile(file);
    assert.ok(generated.conversations.length > 50, `${generated.conversations.length} conversations`);
    assert.ok(generated.findings.length > 0, 'the planted anomalies were found');
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const column of COLUMNS) {
    it(`sorts by ${column}, both ways, ties in stream order`, () => {
      const rows = generated.conversations;
      const up = orderConversations(rows, { sort: { column, descending: false } }).map((i) => rows[i]);
      const down = orderConversations(rows, { sort: { column, descending: true } }).map((i) => rows[i]);
      assert.equal(up.length, rows.length);
      assert.deepEqual(new Set(up.map((r) => r.stream)).size, rows.length, 'every row once');
      const numeric = NUMERIC[column];
      for (let i = 1; i < up.length; i++) {
        if (numeric) {
          assert.ok(numeric(up[i - 1]) <= numeric(up[i]), `${column} ascending at ${i}`);
          assert.ok(numeric(down[i - 1]) >= numeric(down[i]), `${column} descending at ${i}`);
          if (numeric(up[i - 1]) === numeric(up[i])) assert.ok(up[i - 1].stream < up[i].stream, 'ties keep stream order');
        }
      }
      if (column === 'client' || column === 'server') {
        // Addresses by their numbers (10.10.0.9 before 10.10.0.10), then ports.
        const key = (row: ConversationSummary) => ipv4Number(row[column].address) * 65536 + row[column].port;
        for (let i = 1; i < up.length; i++) assert.ok(key(up[i - 1]) <= key(up[i]), `${column} at ${i}: ${endpointText(up[i - 1][column])} then ${endpointText(up[i][column])}`);
      }
      if (column === 'http') {
        const firstMethods = up.map((row) => row.exchanges[0]?.method ?? '');
        // GETs come before POSTs ascending, after them descending.
        assert.ok(firstMethods.lastIndexOf('GET') < firstMethods.indexOf('POST'), 'GET rows before POST rows');
        assert.equal(down[0].exchanges[0]?.method, 'POST');
      }
    });
  }

  it('keeps only rows whose endpoints, methods, targets, statuses or finding rule ids hold every word', () => {
    const rows = generated.conversations;
    const ids = ruleIds(generated);
    const posts = orderConversations(rows, { text: 'post' }, { ruleIds: ids }).map((i) => rows[i]);
    assert.ok(posts.length > 0 && posts.length < rows.length);
    assert.deepEqual(
      posts.map((r) => r.stream),
      rows.filter((r) => r.exchanges.some((e) => e.method === 'POST')).map((r) => r.stream),
    );

    const planted = [...new Set(generated.findings.filter((f) => f.ruleId === 'duplicate-transfer-encoding').map((f) => f.stream))].sort((a, b) => a - b);
    assert.ok(planted.length > 0);
    const byRule = orderConversations(rows, { text: 'DUPLICATE-transfer-encoding' }, { ruleIds: ids }).map((i) => rows[i].stream);
    assert.deepEqual(byRule, planted);

    const server = endpointText(rows[0].server);
    const onServer = orderConversations(rows, { text: `${server} post` }, { ruleIds: ids }).map((i) => rows[i]);
    assert.ok(onServer.every((r) => endpointText(r.server) === server && r.exchanges.some((e) => e.method === 'POST')));
    assert.equal(orderConversations(rows, { text: '   ' }).length, rows.length, 'blank text keeps every row');
    assert.equal(orderConversations(rows, { text: 'no-such-word-anywhere' }).length, 0);
  });

  it('matches statuses and targets on a real capture (the proxy 502 sample)', async () => {
    const analysis = await analyzeCaptureFile(sample('proxy-502.pcapng'));
    const rows = analysis.conversations;
    const with502 = orderConversations(rows, { text: '502' }, { ruleIds: ruleIds(analysis) }).map((i) => rows[i]);
    assert.ok(with502.length >= 1);
    for (const row of with502) assert.match(searchableText(row, ruleIds(analysis)(row.stream)), /502/);
    const proxyRule = orderConversations(rows, { text: 'proxy-generated-error' }, { ruleIds: ruleIds(analysis) });
    assert.deepEqual(
      proxyRule.map((i) => rows[i].stream),
      [...new Set(analysis.findings.filter((f) => f.ruleId === 'proxy-generated-error').map((f) => f.stream))],
    );
  });

  it('keeps only the display filter\'s streams, then sorts and filters them', () => {
    const rows = generated.conversations;
    const streams = new Set([5, 3, 40, 41]);
    const kept = orderConversations(rows, { sort: { column: 'stream', descending: true }, text: '' }, { displayFilterStreams: streams });
    assert.deepEqual(kept.map((i) => rows[i].stream), [41, 40, 5, 3]);
  });
});
