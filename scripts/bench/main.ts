/**
 * `npm run bench` (via scripts/bench.mjs, which bundles this file and session.ts):
 *   generates (or reuses) the 100 MB and 1 GB captures under .bench/, measures Wirelens and
 *   tshark, prints the table and writes it to .bench/results.md (details in .bench/bench.log).
 * Options: --sizes 100M,1G   --repeats N   --no-tshark   --dir DIR
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_PROCESS_ENV, SERVER_PROCESS_EXEC_ARGV } from '../../extension/src/serverProcess';
import { formatReport, runBench, type BenchCapture } from './runBench';
import type { SessionResult } from './session';

const REPO = path.resolve(__dirname, '..', '..');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function parseSize(text: string): BenchCapture {
  const m = /^(\d+(?:\.\d+)?)([MG])$/i.exec(text.trim());
  if (!m) throw new Error(`--sizes takes sizes like 100M or 1G, not "${text}"`);
  const bytes = Number(m[1]) * (m[2].toUpperCase() === 'G' ? 1e9 : 1e6);
  const seed = bytes === 1e9 ? 1001 : bytes === 1e8 ? 101 : Math.round(bytes / 1e6);
  return { label: `${m[1]} ${m[2].toUpperCase()}B`, targetBytes: bytes, seed, anomalyRate: 0.005 };
}

async function main(): Promise<void> {
  const dir = path.resolve(option('dir') ?? path.join(REPO, '.bench'));
  const captures = (option('sizes') ?? '100M,1G').split(',').map(parseSize);
  const sessionScript = path.join(__dirname, 'session.js');
  const session = async (file: string, streams: readonly number[]): Promise<SessionResult> => {
    // The server's environment and Node options, as the extension starts it.
    const env = { ...process.env, ...SERVER_PROCESS_ENV };
    const run = spawnSync(process.execPath, [...SERVER_PROCESS_EXEC_ARGV, sessionScript, file, streams.join(',')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
    if (run.status !== 0) throw new Error(`session on ${file} failed: ${run.stderr.trim()}`);
    return JSON.parse(run.stdout) as SessionResult;
  };
  const report = await runBench({
    dir,
    captures,
    tshark: !process.argv.includes('--no-tshark'),
    repeats: Number(option('repeats') ?? 2),
    session,
    cli: path.join(REPO, 'bin', 'wirelens'),
    log: (line) => process.stdout.write(`bench: ${line}\n`),
  });
  const table = formatReport(report);
  fs.writeFileSync(path.join(dir, 'results.md'), table);
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ ...report, captures: report.captures.map((c) => ({ ...c, session: { ...c.session, findings: c.session.findings.length } })) }, null, 2) + '\n');
  process.stdout.write(`\n${table}\n(also in ${path.relative(process.cwd(), path.join(dir, 'results.md'))}; command log ${path.relative(process.cwd(), path.join(dir, 'bench.log'))})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
