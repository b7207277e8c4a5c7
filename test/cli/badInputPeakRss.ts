/**
 * Preloaded into the CLI under test (NODE_OPTIONS=--require …/badInputPeakRss.js): at exit it
 * writes the process's peak resident set (KiB, scan worker threads included; tshark children are
 * processes of their own) to $WIRELENS_PEAK_RSS_FILE, for the memory rows of docs/reliability.md.
 */
import * as fs from 'node:fs';

process.on('exit', () => {
  const file = process.env.WIRELENS_PEAK_RSS_FILE;
  if (file) fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
});
