// dumpcap on `lo` for sample scripts: start it with a port filter, stop it once the traffic is
// done, and check that the capture holds whole connections (SYN first, FINs or RST at the end).
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';

export async function startDumpcap(ports, file) {
  fs.rmSync(file, { force: true });
  const filter = ports.map((port) => `tcp port ${port}`).join(' or ');
  const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise((resolve, reject) => {
    dumpcap.stderr.on('data', (d) => {
      stderr += d;
      // "Capturing on" comes slightly before the filter is live: give it a moment.
      if (stderr.includes('Capturing on')) setTimeout(resolve, 500);
    });
    dumpcap.on('exit', (code) => reject(new Error(`dumpcap exited with ${code} before capturing:\n${stderr}`)));
  });
  return {
    async stop() {
      // Let the last FIN/ACK or RST reach the capture first.
      await new Promise((r) => setTimeout(r, 300));
      dumpcap.kill('SIGINT');
      await once(dumpcap, 'exit');
    },
  };
}

/** Every TCP stream in the file starts with a SYN and ends with FIN or RST. */
export function hasWholeConnections(file) {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.flags.str'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const streams = new Map();
  for (const line of out.trim().split('\n')) {
    const [stream, flags] = line.split('\t');
    if (!streams.has(stream)) streams.set(stream, { first: flags, end: false });
    if (/[FR]/.test(flags)) streams.get(stream).end = true;
  }
  return streams.size > 0 && [...streams.values()].every((s) => /S/.test(s.first) && s.end);
}

/** Runs a program to completion: { exitCode, stdout, stderr }. */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}
