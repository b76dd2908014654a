/**
 * The performance goals (issue 18) next to this run's figures, at the end of `npm run bench`:
 * each figure as the sections above measured it, its goal, and whether this run meets it.
 * A section not run says so; nothing here measures anything of its own.
 */
import { fmt, table } from './stats';

interface Goal {
  figure: string;
  /** The figure in this run's results, or undefined when its section did not run. */
  value: (r: Results) => number | undefined;
  digits: number;
  unit: string;
  /** Met when the value is at most this. */
  atMost?: number;
  goal: string;
}

type Results = Record<string, unknown>;

function at(r: Results, ...keys: string[]): number | undefined {
  let v: unknown = r;
  for (const k of keys) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const GOALS: Goal[] = [
  { figure: 'Zipformer RTF / sherpa-onnx-node RTF, 1 thread (wall)', value: (r) => at(r, 'zipformerVsSherpa', 'threads1', 'ratio'), digits: 2, unit: '', atMost: 1, goal: '<= 1.00, same text' },
  { figure: 'Zipformer CPU / sherpa-onnx-node CPU, 1 thread', value: (r) => at(r, 'zipformerVsSherpa', 'threads1', 'cpuRatio'), digits: 2, unit: '', atMost: 1, goal: '<= 1.00' },
  { figure: 'Moonshine RTF with partials (fed as fast as possible), 1 thread', value: (r) => at(r, 'moonshineRtf', 'threads1', 'rtfPartials'), digits: 3, unit: '', atMost: 0.08, goal: '<= 0.08, cadence unchanged' },
  { figure: 'Moonshine end of a 5.3 s utterance -> final', value: (r) => at(r, 'latency', 'moonshine', 'endToFinalMs'), digits: 0, unit: ' ms', atMost: 80, goal: '<= 80 ms' },
  { figure: 'ORT cache / ONNX, Moonshine decoder', value: (r) => at(r, 'cacheSize', 'decoder_model_merged', 'ratio'), digits: 2, unit: 'x', atMost: 1.5, goal: '<= 1.5x, step speed kept' },
  { figure: 'ORT cache / ONNX, Moonshine encoder', value: (r) => at(r, 'cacheSize', 'encoder_model', 'ratio'), digits: 2, unit: 'x', atMost: 1.5, goal: '<= 1.5x' },
  { figure: 'Sidecar anonymous memory at idle after dictating', value: (r) => at(r, 'memory', 'idleAnonMb'), digits: 1, unit: ' MB', atMost: 30, goal: '<= 30 MB' },
  { figure: 'Second sidecar, private over an empty sidecar', value: (r) => at(r, 'memory', 'secondAddsPrivateMb'), digits: 1, unit: ' MB', goal: 'measured (no bound set)' },
];

export function printGoals(results: Results): Record<string, unknown> {
  console.log('\n## Goals (issue 18): this run against each goal');
  const rows: string[][] = [['figure', 'this run', 'goal', 'met']];
  const out: Record<string, unknown> = {};
  for (const g of GOALS) {
    const v = g.value(results);
    const met = v === undefined || g.atMost === undefined ? '' : v <= g.atMost ? 'yes' : 'no';
    rows.push([g.figure, v === undefined ? 'not run' : `${fmt(v, g.digits)}${g.unit}`, g.goal, met]);
    out[g.figure] = { value: v ?? null, goal: g.goal, met: met || null };
  }
  table(rows);
  return out;
}
