/** Command-line mistakes: reported with the usage text, exit code 2. */
export class UsageError extends Error {}

export function checkFormat(format: string | undefined, allowed: string[]): string {
  const chosen = format ?? allowed[0];
  if (!allowed.includes(chosen)) throw new UsageError(`--format must be one of ${allowed.join(', ')}.`);
  return chosen;
}
