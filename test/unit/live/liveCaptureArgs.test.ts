/** The pure parts of live capture: argv builders, output parsers, error sentences, limits. */
import * as assert from 'node:assert/strict';
import { formatCaptureLimits, parseCaptureLimits } from '../../../protocol/captureLimits';
import { captureRequest } from '../../../server/src/cli/captureCommand';
import { UsageError } from '../../../server/src/cli/usageError';
import {
  buildConvertArgs,
  buildDumpcapArgs,
  buildFilterCheckArgs,
  buildInterfaceListArgs,
  captureStderrDetail,
  classifyCaptureFailure,
  describeSource,
  dumpcapBinary,
  parseCaptureStatistics,
  parseInterfaceList,
  sourceArgv,
} from '../../../server/src/tshark/liveCapture';
import { buildGuardArgs, GUARD_NOT_FOUND } from '../../../server/src/tshark/processGuard';
import { buildSegmentArgs } from '../../../server/src/tshark/segmentArgs';

const DUMPCAP_PERMISSION = `Capturing on 'Loopback: lo'
dumpcap: cap_set_proc() fail return: Operation not permitted
dumpcap: You do not have permission to capture on device "lo".
(socket: Operation not permitted)
Please check to make sure you have sufficient permissions.`;

describe('live capture arguments', () => {
  it('runs dumpcap on one interface to stdout, with the filter, limits and marker as separate arguments', () => {
    assert.deepEqual(buildDumpcapArgs('lo', 'tcp port 80', {}, '/tmp/wirelens-live-x'), [
      '-i', 'lo', '-f', 'tcp port 80', '-B', '16', '-q', '--temp-dir', '/tmp/wirelens-live-x', '-w', '-',
    ]);
    assert.deepEqual(buildDumpcapArgs('eth0', '  ', { durationSeconds: 1.2, packets: 500, bytes: 1500 }, '/m'), [
      '-i', 'eth0', '-c', '500', '-a', 'duration:2', '-a', 'filesize:2', '-B', '16', '-q', '--temp-dir', '/m', '-w', '-',
    ]);
    // A filter with shell metacharacters stays one argument: nothing is ever run through a shell.
    assert.deepEqual(buildDumpcapArgs('lo', 'port 80; rm -rf /', {}, '/m').slice(2, 4), ['-f', 'port 80; rm -rf /']);
  });

  it('checks a filter with dumpcap -d, lists interfaces machine-readably, converts with tshark -F pcapng', () => {
    assert.deepEqual(buildFilterCheckArgs('lo', 'tcp'), ['-i', 'lo', '-f', 'tcp', '-d']);
    assert.deepEqual(buildInterfaceListArgs(), ['-D', '-M']);
    assert.deepEqual(buildConvertArgs('a.raw', 'b.pcapng'), ['-r', 'a.raw', '-w', 'b.pcapng', '-F', 'pcapng']);
  });

  it('reads the FIFO line-buffered and marks tshark with the capture directory', () => {
    const args = buildSegmentArgs('-', { lineBuffered: true, tempDir: '/tmp/wirelens-live-x' });
    assert.deepEqual(args.slice(0, 5), ['-r', '-', '-l', '--temp-dir', '/tmp/wirelens-live-x']);
    assert.deepEqual(buildSegmentArgs('f.pcap').slice(0, 3), ['-r', 'f.pcap', '-T'], 'file reads are unchanged');
  });

  it('finds dumpcap next to an explicit tshark path', () => {
    assert.equal(dumpcapBinary({}), 'dumpcap');
    assert.equal(dumpcapBinary({ tsharkPath: 'tshark' }), 'dumpcap');
    assert.equal(dumpcapBinary({ tsharkPath: '/opt/ws/bin/tshark' }), '/opt/ws/bin/dumpcap');
  });

  it('runs a pipe source exactly as configured, and an interface through dumpcap', () => {
    const command = { kind: 'command', name: 'web-1', argv: ['ssh', 'web-1', 'tcpdump', '-U', '-w', '-', 'tcp port 80'] } as const;
    assert.deepEqual(sourceArgv(command, {}, '/m', {}), command.argv);
    assert.equal(sourceArgv({ kind: 'interface', interface: 'lo' }, {}, '/m', { tsharkPath: '/w/tshark' })[0], '/w/dumpcap');
    assert.equal(describeSource(command), 'web-1');
    assert.equal(describeSource({ kind: 'interface', interface: 'lo', filter: ' tcp port 80 ' }), 'lo (tcp port 80)');
  });

  it('runs the source under the guard with the marker in its argv', () => {
    const args = buildGuardArgs('/tmp/wirelens-live-x', ['dumpcap', '-i', 'lo']);
    assert.equal(args[0], '-e');
    assert.deepEqual(args.slice(2), ['--', '/tmp/wirelens-live-x', 'dumpcap', '-i', 'lo']);
    assert.match(args[1], /process\.stdin\.on\('end', stop\)/);
  });
});

describe('live capture output parsing', () => {
  it('parses dumpcap -D -M, loopback flagged', () => {
    const list = parseInterfaceList('1. eth0\t\t\t0\t192.0.2.2,fe80::1\tnetwork\t\n3. lo\t\tLoopback\t0\t127.0.0.1,::1\tloopback\t\nnoise\n');
    assert.deepEqual(list, [
      { name: 'eth0', addresses: ['192.0.2.2', 'fe80::1'], loopback: false },
      { name: 'lo', description: 'Loopback', addresses: ['127.0.0.1', '::1'], loopback: true },
    ]);
  });

  it("reads dumpcap's and tcpdump's closing counts", () => {
    assert.deepEqual(
      parseCaptureStatistics("File: -\nPackets received/dropped on interface 'Loopback: lo': 9980/20 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (99.8%)\n"),
      { received: 9980, dropped: 20 },
    );
    assert.deepEqual(parseCaptureStatistics('12 packets captured\n15 packets received by filter\n3 packets dropped by kernel\n'), { received: 15, dropped: 3 });
    assert.equal(parseCaptureStatistics('nothing'), undefined);
  });

  it('drops progress chatter and root warnings from stderr', () => {
    assert.equal(captureStderrDetail(`Running as user "root" and group "root". This could be dangerous.\n${DUMPCAP_PERMISSION}`).split('\n')[0], 'dumpcap: You do not have permission to capture on device "lo".');
  });
});

describe('live capture errors', () => {
  const lo = { kind: 'interface', interface: 'lo', filter: 'tcp port nope' } as const;

  it('turns a permission failure into one sentence with both fixes', () => {
    const error = classifyCaptureFailure(lo, 1, DUMPCAP_PERMISSION);
    assert.match(error.message, /^Wirelens may not capture on "lo": dumpcap has no permission to capture; add your user to the wireshark group \(sudo usermod -aG wireshark \$USER, then log in again\) or give dumpcap the capture capabilities \(sudo setcap cap_net_raw,cap_net_admin=eip "\$\(command -v dumpcap\)"\)\.$/);
  });

  it('names the interface, the filter and the reason', () => {
    assert.match(classifyCaptureFailure(lo, 1, 'dumpcap: There is no device named "lo".\n(No such device exists)').message, /^There is no interface named "lo"/);
    const filter = classifyCaptureFailure(lo, 0, `dumpcap: Invalid capture filter "tcp port nope" for interface 'lo'.\n\nThat string isn't a valid capture filter (unknown port 'nope').`);
    assert.equal(filter.message, `The capture filter "tcp port nope" is not valid on "lo" (unknown port 'nope'): fix it and start again.`);
    assert.equal(classifyCaptureFailure(lo, GUARD_NOT_FOUND, 'dumpcap: command not found\n').failure, 'not-found');
  });

  it('names the pipe source and its command', () => {
    const source = { kind: 'command', name: 'prod', argv: ['kubectl', 'exec', 'pod', '--', 'tcpdump', '-U', '-w', '-'] } as const;
    assert.match(classifyCaptureFailure(source, GUARD_NOT_FOUND, 'kubectl: command not found\n').message, /^The capture command "kubectl" of source "prod" was not found: fix its path in the wirelens.captureSources setting\.$/);
    assert.match(classifyCaptureFailure(source, 1, 'tcpdump: eth0: You don\'t have permission to capture on that device\n').message, /^The capture command of source "prod" was refused permission/);
    assert.match(classifyCaptureFailure(source, 255, 'ssh: connect to host x port 22: Connection refused\n').message, /source "prod" \(kubectl\) ended with exit code 255: ssh: connect to host x port 22: Connection refused\.$/);
  });
});

describe('capture limits', () => {
  it('reads durations, packet counts and sizes in any order', () => {
    assert.deepEqual(parseCaptureLimits(''), { limits: {} });
    assert.deepEqual(parseCaptureLimits('30s 1000 packets 10MB'), { limits: { durationSeconds: 30, packets: 1000, bytes: 10_000_000 } });
    assert.deepEqual(parseCaptureLimits('2 min, 500kB'), { limits: { durationSeconds: 120, bytes: 500_000 } });
    assert.deepEqual(parseCaptureLimits('1.5h'), { limits: { durationSeconds: 5400 } });
  });

  it('explains what it cannot read', () => {
    assert.match((parseCaptureLimits('soon') as { error: string }).error, /"soon" is not a limit/);
    assert.match((parseCaptureLimits('10 parsecs') as { error: string }).error, /"parsecs" is not a unit/);
    assert.match((parseCaptureLimits('1.5 packets') as { error: string }).error, /whole number/);
    assert.match((parseCaptureLimits('0s') as { error: string }).error, /more than zero/);
    assert.ok('error' in parseCaptureLimits('5 constructor'), 'no prototype keys as units');
  });

  it('formats them back', () => {
    assert.equal(formatCaptureLimits(undefined), 'no limit');
    assert.equal(formatCaptureLimits({ durationSeconds: 30, packets: 10, bytes: 1_500_000 }), '30 s, 10 packets, 1.5 MB');
  });
});

describe('wirelens capture options', () => {
  const options = (named: Record<string, string>, command?: string[], positional: string[] = []) => ({ positional, named, ...(command ? { command } : {}) });

  it('builds an interface source with limits', () => {
    assert.deepEqual(captureRequest(options({ interface: 'lo', filter: 'tcp', duration: '5', packets: '100', size: '2MB' })), {
      source: { kind: 'interface', interface: 'lo', filter: 'tcp' },
      limits: { durationSeconds: 5, packets: 100, bytes: 2_000_000 },
    });
    assert.deepEqual(captureRequest(options({ interface: 'lo', size: '4096' })).limits, { bytes: 4096 });
  });

  it('builds a pipe source from what follows --', () => {
    assert.deepEqual(captureRequest(options({ command: 'true' }, ['dumpcap', '-i', 'lo', '-w', '-'])).source, {
      kind: 'command',
      name: 'dumpcap -i lo -w -',
      argv: ['dumpcap', '-i', 'lo', '-w', '-'],
    });
  });

  it('rejects contradictions with a usage error', () => {
    const cases: [ReturnType<typeof options>, RegExp][] = [
      [options({}), /needs --interface/],
      [options({ interface: 'lo', command: 'true' }, ['x']), /either --interface or --command/],
      [options({ command: 'true' }), /--command needs the command after --/],
      [options({ command: 'true', filter: 'tcp' }, ['x']), /--filter applies to --interface/],
      [options({ interface: 'lo' }, ['x']), /only for --command/],
      [options({ interface: 'lo', packets: '1.5' }), /--packets must be a whole number/],
      [options({ interface: 'lo', size: 'big' }), /--size takes a size/],
      [options({ interface: 'lo' }, undefined, ['out.pcapng']), /did you mean --write out.pcapng/],
    ];
    for (const [given, message] of cases) assert.throws(() => captureRequest(given), (error: Error) => error instanceof UsageError && message.test(error.message));
  });
});
