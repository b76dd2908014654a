/** Sidecar memory: filled in once the sidecar protocol lands. */
export async function sidecarMemory(): Promise<Record<string, unknown>> {
  console.log('\n## Sidecar memory: (pending)');
  return {};
}
