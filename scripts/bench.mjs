#!/usr/bin/env node
// `npm run bench`: bundles the benchmark (scripts/bench/*.ts, which uses the server code) into
// .bench/build/ and runs it. Needs dist/ built first (the CLI and the scan worker): the npm
// script runs `node esbuild.mjs` before this. Arguments are passed on (see scripts/bench/main.ts).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, '.bench', 'build');
await esbuild.build({
  entryPoints: { bench: path.join(root, 'scripts/bench/main.ts'), session: path.join(root, 'scripts/bench/sessionMain.ts') },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, [path.join(out, 'bench.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
