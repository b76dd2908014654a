/**
 * How a sidecar process is started, shared by the extension, the tests and the benchmarks so
 * that what is measured is what users run: the runtime's own binary (Electron acting as Node,
 * or Node), these runtime flags, then the script.
 *
 * --max-semi-space-size=1: V8 grows its young generation under allocation bursts (a partial
 * re-decode allocates many short-lived objects) and keeps it grown for good, even at idle after a
 * full collection; the sidecar's live heap is small, so at 1 MB the semi-spaces cannot grow at all,
 * and the extra scavenges of short-lived objects are cheap (README: Design choices, measured).
 *
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (onnxruntime's, libuv's, V8's
 * helpers) its own heap arena, each keeping its own free pages and fragments; two arenas hold the
 * same work in less memory with less spread (README). Read by glibc at process start, so it must be
 * in the spawn environment.
 */
export const SIDECAR_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** The argv for spawn(process.execPath, ...) of the sidecar script. */
export function sidecarArgv(script: string, extra: readonly string[] = []): string[] {
  return [...SIDECAR_RUNTIME_FLAGS, script, ...extra];
}

/** The sidecar's environment: `base` (which wins, so a user can override) over our defaults. */
export function sidecarEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', ...base, ELECTRON_RUN_AS_NODE: '1' };
}
