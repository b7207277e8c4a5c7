import * as assert from 'node:assert/strict';
import { buildSegmentArgs, buildVersionArgs, SEGMENT_FIELDS } from '../../../server/src/tshark/segmentArgs';
import { parseEkLine } from '../../../server/src/tshark/tsharkRunner';
import { sample, tshark } from '../helpers';

describe('buildSegmentArgs', () => {
  it('reads the file with -r, as line-delimited JSON of TCP packets, without tshark reassembly', () => {
    const args = buildSegmentArgs('/captures/x.pcapng');
    assert.deepEqual(args.slice(0, 2), ['-r', '/captures/x.pcapng']);
    const option = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(option('-T'), 'ek');
    assert.equal(option('-Y'), 'tcp');
    assert.equal(option('-o'), 'tcp.desegment_tcp_streams:FALSE');
    assert.ok(!args.includes('-i'), 'never a live interface');
  });

  it('asks for every segment field, each after its own -e, in order', () => {
    const args = buildSegmentArgs('f.pcap');
    const fields = args.flatMap((arg, i) => (args[i - 1] === '-e' ? [arg] : []));
    for (const field of ['frame.number', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.seq_raw', 'tcp.flags', 'tcp.payload']) {
      assert.ok(fields.includes(field), field);
    }
    assert.equal(args.filter((a) => a === '-e').length, SEGMENT_FIELDS.length);
    assert.deepEqual(fields, [...SEGMENT_FIELDS]);
  });

  it('keeps a hostile file name as one argument (no shell, no splitting)', () => {
    const name = '/tmp/a b; rm -rf ~ $(x) `y` "q" -i eth0.pcap';
    const args = buildSegmentArgs(name);
    assert.equal(args[1], name);
    assert.equal(args.filter((a) => a.includes('rm -rf')).length, 1);
  });

  it('version arguments', () => {
    assert.deepEqual(buildVersionArgs(), ['--version']);
  });

  it('real tshark accepts the arguments and every packet line parses to a segment', () => {
    const file = sample('incident-wrong.pcapng');
    const lines = tshark(buildSegmentArgs(file)).split('\n').filter((l) => l.startsWith('{"timestamp"'));
    const segments = lines.map(parseEkLine);
    const expectedFrames = tshark(['-r', file, '-Y', 'tcp', '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).map(Number);
    assert.deepEqual(segments.map((s) => s?.frame), expectedFrames);
    const payloads = tshark(['-r', file, '-Y', 'tcp', '-T', 'fields', '-e', 'tcp.len']).split('\n').filter(Boolean).map(Number);
    assert.deepEqual(segments.map((s) => s?.payload.length), payloads);
  });
});
