/**
 * tshark argument lists, built as arrays (never a shell string) by pure functions so they can
 * be unit-tested. `-r FILE` is the only way a capture file reaches tshark.
 */

/** The fields a TcpSegment is made of, in `-T ek` names (dots become underscores there). */
export const SEGMENT_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.cap_len',
  'tcp.stream',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.flags',
  'tcp.window_size',
  'tcp.payload',
] as const;

export interface SegmentArgsOptions {
  /** Flush after every packet (`-l`): a live capture read through a FIFO must not wait for a full buffer. */
  readonly lineBuffered?: boolean;
  /** tshark's `--temp-dir`; a live capture passes its own directory so its processes can be told apart. */
  readonly tempDir?: string;
}

export function buildSegmentArgs(file: string, options: SegmentArgsOptions = {}): string[] {
  return [
    '-r', file,
    ...(options.lineBuffered ? ['-l'] : []),
    ...(options.tempDir ? ['--temp-dir', options.tempDir] : []),
    // Line-delimited JSON: one object per packet, parsed as it streams out.
    '-T', 'ek',
    '-Y', 'tcp',
    // Segments are what we reassemble; tshark's own reassembly would only cost time.
    '-o', 'tcp.desegment_tcp_streams:FALSE',
    ...SEGMENT_FIELDS.flatMap((field) => ['-e', field]),
  ];
}

export function buildVersionArgs(): string[] {
  return ['--version'];
}
