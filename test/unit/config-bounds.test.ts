import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import { BOUNDS, bounded, type BoundedSetting } from '../../src/extension/config-bounds';

interface Property {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

function numericSettings(): Map<string, Property> {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, Property> } | { properties: Record<string, Property> }[] };
  };
  const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
  const out = new Map<string, Property>();
  for (const s of sections) {
    for (const [k, v] of Object.entries(s.properties)) {
      if (v.type === 'number' || v.type === 'integer') out.set(k.replace(/^murmur\./, ''), v);
    }
  }
  return out;
}

test('every numeric setting in package.json has the same minimum, maximum and default as BOUNDS', () => {
  const settings = numericSettings();
  assert.deepEqual([...settings.keys()].sort(), Object.keys(BOUNDS).sort(), 'the numeric settings named in package.json and in BOUNDS');
  for (const [key, p] of settings) {
    const b = BOUNDS[key as BoundedSetting];
    assert.deepEqual({ min: p.minimum, max: p.maximum, default: p.default }, { ...b }, `murmur.${key}`);
  }
});

test('bounded clamps to the bounds, rounds, and gives the default for what is not a number', () => {
  assert.equal(bounded('engine.threads', 99), 16);
  assert.equal(bounded('engine.threads', 0), 1);
  assert.equal(bounded('vad.silenceMs', 1234.6), 1235);
  assert.equal(bounded('vad.silenceMs', 'fast'), 800);
  assert.equal(bounded('pushToTalk.releaseDelayMs', Number.NaN), 600);
});
