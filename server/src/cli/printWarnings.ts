/**
 * Warnings (results are partial, nothing to analyse) go to stderr, one line each, whatever the
 * output format: stdout stays the results, and the exit code keeps meaning findings (0 none,
 * 1 some) — docs/reliability.md.
 */
export function printWarnings(warnings: readonly string[], err: { write(text: string): unknown } = process.stderr): void {
  for (const warning of warnings) err.write(`wirelens: warning: ${warning}\n`);
}
