// Bundles every entry point. esbuild does not type-check: `npm run build` runs tsc first.
//   node esbuild.mjs            production bundles (extension, server, CLI, webview)
//   node esbuild.mjs --tests    also the test bundles under out/test
//   node esbuild.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const watch = process.argv.includes('--watch');
const withTests = process.argv.includes('--tests') || watch;
const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8'));

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { WIRELENS_VERSION: JSON.stringify(version) },
  // jsonc-parser's main build is UMD with requires esbuild cannot follow; its ES module build bundles.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

/** Every *.test.ts below a folder, plus extra entries, bundled one file each. */
function testEntries(dir) {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

const builds = [
  { ...node, entryPoints: ['extension/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js' },
  // Full-scan worker thread, started by dist/server.js and dist/cli.js (server/src/capture/scan.ts).
  { ...node, entryPoints: ['server/src/capture/scanWorker.ts'], outfile: 'dist/scanWorker.js' },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    // The page boots on every editor open: a minified bundle (113 KB, not 264) parses sooner.
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    entryPoints: ['webview/src/main.ts', 'webview/src/main.css'],
    outdir: 'dist/webview',
  },
];
if (withTests) {
  builds.push({
    ...node,
    entryPoints: ['unit', 'cli', 'integration', 'fuzz', 'verdicts'].flatMap((dir) => testEntries(path.join('test', dir))),
    outdir: 'out/test',
    outbase: 'test',
    external: ['vscode', 'mocha', 'playwright-core', 'fast-check'],
  });
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
