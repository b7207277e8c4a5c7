/**
 * Exchanges with sizes and timing, from the parse a stream already has, checked against tshark:
 * each direction's message sizes add up to the payload tshark followed, and each message's time
 * is the capture time of the frame tshark says carried its first byte.
 */
import * as assert from 'node:assert/strict';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { exchangeDetails } from '../../../server/src/analysis/exchangeDetails';
import { sample, sharedCapturesDir, tshark, tsharkFollowRaw } from '../helpers';
import * as path from 'node:path';

function frameTimes(file: string): Map<number, number> {
  const times = new Map<number, number>();
  for (const line of tshark(['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch']).split('\n')) {
    const [frame, time] = line.split('\t');
    if (frame) times.set(Number(frame), Number(time));
  }
  return times;
}

describe('analysis/exchangeDetails', function () {
  this.timeout(30_000);

  it('the incident: POST /wrong → 200 with the sizes of both messages and its duration', async () => {
    const file = sample('incident-wrong.pcapng');
    const analysis = await analyzeCaptureFile(file);
    const [exchange, ...rest] = exchangeDetails(analysis.streams.get(0)!);
    assert.equal(rest.length, 0);
    assert.equal(exchange.index, 0);
    assert.equal(exchange.method, 'POST');
    assert.equal(exchange.target, '/wrong');
    assert.equal(exchange.status, 200);
    const followed = tsharkFollowRaw(file, 0);
    assert.equal(exchange.requestBytes, followed.fromNode0.length, 'the request is all the client sent');
    assert.equal(exchange.responseBytes, followed.fromNode1.length, 'the response is all the server sent');
    const times = frameTimes(file);
    assert.equal(exchange.requestTime, times.get(exchange.requestFrame!));
    assert.ok(exchange.responseTime! >= exchange.requestTime!);
    assert.ok(Math.abs(exchange.durationSeconds! - (exchange.responseTime! - exchange.requestTime!)) < 1e-9);
  });

  it('pipelined requests: one row each, in order, sizes adding up to each direction\'s payload', async () => {
    const file = path.join(sharedCapturesDir(), 'zeek--pipelined-requests.pcap');
    const analysis = await analyzeCaptureFile(file);
    const stream = analysis.streams.get(0)!;
    const exchanges = exchangeDetails(stream);
    assert.ok(exchanges.length > 1, `${exchanges.length} exchanges`);
    assert.deepEqual(exchanges.map((e) => e.index), exchanges.map((_, i) => i));
    assert.deepEqual(exchanges.map((e) => e.target), stream.http.exchanges.map((e) => e.request?.requestLine.target));
    const followed = tsharkFollowRaw(file, 0);
    const sum = (values: (number | undefined)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
    assert.equal(sum(exchanges.map((e) => e.requestBytes)), followed.fromNode0.length);
    assert.equal(sum(exchanges.map((e) => e.responseBytes)), followed.fromNode1.length);
    const times = frameTimes(file);
    for (const e of exchanges) {
      if (e.requestFrame !== undefined) assert.equal(e.requestTime, times.get(e.requestFrame));
    }
  });

  it('HTTP/2: each stream an exchange, with method, path, status and gRPC status', async () => {
    const analysis = await analyzeCaptureFile(sample('h2c-grpc.pcapng'));
    const exchanges = exchangeDetails(analysis.streams.get(0)!);
    assert.deepEqual(
      exchanges.map((e) => [e.http2Stream, e.method, e.target, e.status, e.grpcStatus]),
      [
        [1, 'GET', '/hello', 200, undefined],
        [3, 'POST', '/orders.v1.Orders/Get', 200, 5],
      ],
    );
    assert.deepEqual(exchanges.map((e) => e.index), exchanges.map((_, i) => i));
  });
});
