/**
 * HTTP/2 conversations: framing, HPACK with offsets, streams as exchanges, h2c upgrade, and
 * tshark's http2 dissector as the oracle for every decoded header field of the h2c samples.
 */
import * as assert from 'node:assert/strict';
import type { Direction } from '../../../protocol/model';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { parseHttpConnection } from '../../../server/src/http/httpConversation';
import { fieldValue } from '../../../server/src/http2/http2Conversation';
import { summarizeHttp2 } from '../../../server/src/http2/summarizeHttp2';
import { connectionOf } from '../rules/ruleTestKit';
import { sample, text, tshark } from '../helpers';
import { data, GET, goaway, headers, OK, PREFACE, rstStream, SETTINGS } from './h2Bytes';

describe('HTTP/2 conversation', () => {
  it('follows a prior-knowledge connection stream by stream, with field offsets', () => {
    const request = PREFACE + headers(1, GET('/a'), true) + headers(3, [[':method', 'POST'], [':scheme', 'http'], [':path', '/b'], [':authority', 'x']]) + data(3, 'body');
    const response = SETTINGS + headers(1, OK) + data(1, 'hello') + headers(3, OK) + data(3, '', false) + headers(3, [['grpc-status', '5'], ['grpc-message', 'not%20found']], true) + rstStream(5, 7) + goaway(3, 0);
    const connection = connectionOf([{ from: 'client', data: request }, { from: 'server', data: response }]);
    const http = parseHttpConnection(connection);
    assert.equal(http.protocol, 'http2');
    const h2 = http.http2!;
    assert.equal(h2.mode, 'prior-knowledge');
    assert.deepEqual(h2.streams.map((s) => s.id), [1, 3, 5]);
    const [one, three] = h2.streams;
    const path = one.request.headers!.fields.find((f) => f.name === ':path')!;
    assert.equal(text(connection.clientToServer.bytes, path.offset, path.length), '\x00\x05:path\x02/a');
    assert.equal(one.response.dataLength, 5);
    assert.ok(one.response.endStreamFrame);
    assert.equal(three.request.dataLength, 4);
    assert.equal(fieldValue(three.response.trailers, 'grpc-status'), '5');
    assert.deepEqual(h2.goaways.map((g) => [g.direction, g.lastStreamId, g.errorCode]), [['server-to-client', 3, 0]]);
    assert.deepEqual(summarizeHttp2(http), [
      { method: 'GET', target: '/a', status: 200, http2Stream: 1 },
      { method: 'POST', target: '/b', status: 200, http2Stream: 3, grpcStatus: 5, grpcMessage: 'not found' },
    ]);
  });

  it('stops at a gap instead of reading garbage as frames', () => {
    const connection = connectionOf([
      { from: 'client', data: PREFACE + headers(1, GET('/a'), true) },
      { from: 'client', data: headers(3, GET('/b'), true), at: 200 },
    ]);
    const h2 = parseHttpConnection(connection).http2!;
    assert.deepEqual(h2.streams.map((s) => s.id), [1]);
    assert.equal(h2.stops[0].reason, 'gap in the capture');
  });

  it('takes over after Upgrade: h2c / 101, stream 1 being the upgraded request', async () => {
    const analysis = await analyzeCaptureFile(sample('h2c-upgrade.pcapng'));
    const stream = analysis.streams.get(0)!;
    assert.equal(stream.http.protocol, 'http');
    assert.equal(stream.http.requests.length, 1, 'the preface is not read as an HTTP/1.1 request');
    const h2 = stream.http.http2!;
    assert.equal(h2.mode, 'upgrade');
    assert.equal(h2.streams[0].upgraded, true);
    assert.equal(fieldValue(h2.streams[0].response.headers, ':status'), '200');
    assert.deepEqual(analysis.findings, []);
    assert.deepEqual(analysis.conversations[0].exchanges.map((e) => [e.method, e.target, e.status, e.http2Stream]), [
      ['GET', '/upgrade', 101, undefined],
      ['GET', '/upgrade', 200, 1],
    ]);
  });

  for (const name of ['h2c-grpc.pcapng', 'h2c-malformed.pcapng', 'h2c-malformed-responses.pcapng']) {
    it(`decodes every header field of ${name} as tshark's http2 dissector does`, async () => {
      const file = sample(name);
      const analysis = await analyzeCaptureFile(file);
      for (const row of analysis.conversations) {
        const stream = analysis.streams.get(row.stream)!;
        const ours: Record<Direction, string[]> = { 'client-to-server': [], 'server-to-client': [] };
        for (const s of stream.http.http2!.streams) {
          for (const block of [s.request.headers, s.request.trailers, s.response.headers, s.response.trailers]) {
            if (block) ours[block.direction].push(...block.fields.map((f) => `${block.offset}|${f.name}: ${f.value}`));
          }
        }
        const sorted = (list: string[]) => list.sort((a, b) => Number(a.split('|')[0]) - Number(b.split('|')[0])).map((e) => e.split('|').slice(1).join('|'));
        const theirs: Record<Direction, string[]> = { 'client-to-server': [], 'server-to-client': [] };
        const out = tshark(['-r', file, '-d', `tcp.port==${row.server.port},http2`, '-Y', `tcp.stream == ${row.stream} && http2.header`, '-T', 'ek', '-e', 'tcp.srcport', '-e', 'http2.header.name', '-e', 'http2.header.value']);
        for (const line of out.split('\n').filter((l) => l.startsWith('{"timestamp"'))) {
          const layers = JSON.parse(line).layers as Record<string, string[]>;
          const direction: Direction = Number(layers.tcp_srcport[0]) === row.client.port ? 'client-to-server' : 'server-to-client';
          layers.http2_header_name.forEach((n, i) => theirs[direction].push(`${n}: ${layers.http2_header_value?.[i] ?? ''}`));
        }
        assert.deepEqual(sorted(ours['client-to-server']), theirs['client-to-server'], `stream ${row.stream} client → server`);
        assert.deepEqual(sorted(ours['server-to-client']), theirs['server-to-client'], `stream ${row.stream} server → client`);
      }
    });
  }
});
