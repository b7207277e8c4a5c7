/**
 * How the language server's process is started: client.ts passes this environment to it, and the
 * benchmark (scripts/bench) starts its measured server session with the same, so the memory it
 * reports is the server's.
 *
 * MALLOC_ARENA_MAX=1: glibc gives each thread that allocates its own malloc arena and keeps what
 * was freed in it, so the main thread and every scan worker would each hold spare memory of
 * their own; with one arena they reuse each other's (about 10 MiB less at the peak of the 1 GB
 * benchmark's scan; docs/performance.md). Only the allocator's bookkeeping changes.
 */
export const SERVER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
