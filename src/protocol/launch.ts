/**
 * How a sidecar process is started, shared by the extension, the tests and the benchmarks so
 * that what is measured is what users run: the runtime's own binary (Electron acting as Node,
 * or Node), these runtime flags, then the script.
 *
 * --max-semi-space-size=4: V8 grows its young generation to 3 x 16 MB under allocation bursts
 * (a partial re-decode allocates a lot of short-lived objects) and keeps it grown for good, even
 * at idle after a full collection. The sidecar's live heap is about 15 MB; a 4 MB semi-space caps
 * that slack at 12 MB per window (npm run soak measured the committed heap swinging 20-48 MB).
 *
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (onnxruntime's, libuv's, V8's
 * helpers) its own heap arena, each keeping its own free pages and fragments; two arenas hold the
 * same work in less memory with less spread (soak: idle anonymous memory 67-86 MB instead of
 * 76-97 MB). Read by glibc at process start, so it must be in the spawn environment.
 */
export const SIDECAR_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The argv for spawn(process.execPath, ...) of the sidecar script. */
export function sidecarArgv(script: string, extra: readonly string[] = []): string[] {
  return [...SIDECAR_RUNTIME_FLAGS, script, ...extra];
}

/** The sidecar's environment: `base` (which wins, so a user can override) over our defaults. */
export function sidecarEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', ...base, ELECTRON_RUN_AS_NODE: '1' };
}
