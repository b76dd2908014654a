/**
 * Minimum, maximum and default of every numeric setting, in one place. package.json's
 * contributes.configuration says the same for the Settings editor; test/unit/config-bounds.test.ts
 * checks the two agree, so neither can drift from the other.
 */
export interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

export const BOUNDS = {
  'engine.threads': { min: 1, max: 16, default: 1 },
  'engine.stopWhenIdleMinutes': { min: 0, max: 1440, default: 15 },
  'vad.silenceMs': { min: 200, max: 5000, default: 800 },
  'vad.maxUtteranceSeconds': { min: 3, max: 60, default: 20 },
  'pushToTalk.releaseDelayMs': { min: 150, max: 3000, default: 600 },
} as const satisfies Record<string, Bounds>;

export type BoundedSetting = keyof typeof BOUNDS;

/** A setting's value as a whole number within its bounds; hand-edited nonsense gets the default. */
export function bounded(key: BoundedSetting, v: unknown): number {
  const b: Bounds = BOUNDS[key];
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : b.default;
  return Math.min(b.max, Math.max(b.min, n));
}
