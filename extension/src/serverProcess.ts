/**
 * How the language server's process is started: client.ts passes this environment and these
 * Node options to it, and the benchmark (scripts/bench) starts its measured server session with
 * the same, so the memory it reports is the server's.
 *
 * MALLOC_ARENA_MAX=1: glibc gives each thread that allocates its own malloc arena and keeps what
 * was freed in it, so the main thread and every scan worker would each hold spare memory of
 * their own; with one arena they reuse each other's (about 10 MiB less at the peak of the 1 GB
 * benchmark's scan; docs/performance.md). Only the allocator's bookkeeping changes.
 */
export const SERVER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/**
 * --max-semi-space-size=2: V8's young generation of the main thread grows to 3 × 16 MiB when
 * most of what it allocates survives, as the scan's rows do while they arrive from the workers;
 * capped at 2 MiB per semi-space it costs a few more young collections (short ones: little dies
 * there) and about 10 MiB less at the 1 GB benchmark's peak. Worker threads have their own
 * limits (server/src/capture/scan.ts).
 */
export const SERVER_PROCESS_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=2'];
