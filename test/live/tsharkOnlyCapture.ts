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

/**
 * A capture only tshark reads (snoop) of UDP packets alone: tshark's TCP pass (`-Y tcp`) reads it
 * all and writes nothing, so a dead parent's closed pipe would never stop it. Seconds of reading.
 */
export function writeQuietTsharkOnlyCapture(file: string, packets: number): string {
  const frameLength = 14 + 20 + 8 + 60;
  const pcap = Buffer.alloc(24 + packets * (16 + frameLength));
  pcap.writeUInt32LE(0xa1b2c3d4, 0);
  pcap.writeUInt16LE(2, 4);
  pcap.writeUInt16LE(4, 6);
  pcap.writeUInt32LE(65535, 16);
  pcap.writeUInt32LE(1, 20); // Ethernet
  for (let i = 0, at = 24; i < packets; i++, at += 16 + frameLength) {
    pcap.writeUInt32LE(1764104640 + Math.floor(i / 1000), at);
    pcap.writeUInt32LE((i % 1000) * 1000, at + 4);
    pcap.writeUInt32LE(frameLength, at + 8);
    pcap.writeUInt32LE(frameLength, at + 12);
    const frame = at + 16;
    pcap.writeUInt16BE(0x0800, frame + 12);
    pcap.set([0x45, 0, 0, 88, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], frame + 14); // IPv4, UDP
    pcap.writeUInt16BE(5353, frame + 34);
    pcap.writeUInt16BE(5353, frame + 36);
    pcap.writeUInt16BE(68, frame + 38);
  }
  const source = `${file}.source.pcap`;
  fs.writeFileSync(source, pcap);
  try {
    execFileSync('editcap', ['-F', 'snoop', source, file], { stdio: 'ignore' });
  } finally {
    fs.rmSync(source, { force: true });
  }
  return file;
}
