/**
 * Murmur against sherpa-onnx-node on the same clips, interleaved clip by clip and taking turns at
 * going first: this shared machine's speed drifts from second to second, and interleaving makes
 * the drift weigh on both alike. Wall and CPU time are taken around each call the same way for
 * both sides; the figures are medians over the runs, per second of audio.
 */
import { median } from './stats';
import type { BenchClip } from './clips';

export interface Interleaved<A, B> {
  ourRtf: number;
  theirRtf: number;
  ourCpuPerSec: number;
  theirCpuPerSec: number;
  /** Both sides' results for each clip, from the first run (later runs decode the same). */
  firstRun: { ours: A; theirs: B }[];
}

const cpuSeconds = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;

export async function interleave<A, B>(clips: readonly BenchClip[], runs: number, ours: (clip: BenchClip) => Promise<A>, theirs: (clip: BenchClip) => B): Promise<Interleaved<A, B>> {
  const seconds = clips.reduce((s, c) => s + c.seconds, 0);
  const wall = { ours: [] as number[], theirs: [] as number[] };
  const cpu = { ours: [] as number[], theirs: [] as number[] };
  const firstRun: { ours: A; theirs: B }[] = [];
  for (let run = 0; run < runs; run++) {
    const ms = { ours: 0, theirs: 0 };
    const cpuS = { ours: 0, theirs: 0 };
    for (const [i, clip] of clips.entries()) {
      const runOurs = async (): Promise<A> => {
        const [c0, t0] = [process.cpuUsage(), performance.now()];
        const r = await ours(clip);
        ms.ours += performance.now() - t0;
        cpuS.ours += cpuSeconds(process.cpuUsage(c0));
        return r;
      };
      const runTheirs = (): B => {
        const [c0, t0] = [process.cpuUsage(), performance.now()];
        const r = theirs(clip);
        ms.theirs += performance.now() - t0;
        cpuS.theirs += cpuSeconds(process.cpuUsage(c0));
        return r;
      };
      let a: A;
      let b: B;
      if ((run + i) % 2 === 0) {
        a = await runOurs();
        b = runTheirs();
      } else {
        b = runTheirs();
        a = await runOurs();
      }
      if (run === 0) firstRun.push({ ours: a, theirs: b });
    }
    wall.ours.push(ms.ours / 1000 / seconds);
    wall.theirs.push(ms.theirs / 1000 / seconds);
    cpu.ours.push(cpuS.ours / seconds);
    cpu.theirs.push(cpuS.theirs / seconds);
  }
  return { ourRtf: median(wall.ours), theirRtf: median(wall.theirs), ourCpuPerSec: median(cpu.ours), theirCpuPerSec: median(cpu.theirs), firstRun };
}
