/**
 * A capture that only tshark reads, large enough that reading it takes seconds: the benchmark's
 * generated HTTP traffic (scripts/bench/generateCapture.ts), converted by editcap to Sun snoop, a
 * format the direct pcap/pcapng reader leaves to tshark. Tests of cancelling, closing and
 * killing mid-load use it to have a tshark process to watch.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { generateCapture } from '../../scripts/bench/generateCapture';

export interface TsharkOnlyCapture {
  readonly file: string;
  readonly streams: number;
  readonly packets: number;
}

export function writeTsharkOnlyCapture(file: string, targetBytes: number, seed: number): TsharkOnlyCapture {
  const pcap = `${file}.source.pcap`;
  const manifest = generateCapture({ file: pcap, targetBytes, seed });
  try {
    execFileSync('editcap', ['-F', 'snoop', pcap, file], { stdio: 'ignore' });
  } finally {
    fs.rmSync(pcap, { force: true });
    fs.rmSync(`${pcap}.manifest.json`, { force: true });
  }
  return { file, streams: manifest.streams, packets: manifest.packets };
}
