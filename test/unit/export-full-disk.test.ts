/**
 * Exporting onto a full disk: a real small file system (a 4 MB tmpfs, mounted for the test; the
 * test machine and CI run as root) cannot hold the export. The user gets DISK_FULL saying what to
 * do, and nothing is left on the disk: no staging folder, no half-written model.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../../src/engine/errors';
import { exportModel } from '../../src/engine/export/exporter';
import { MOONSHINE_DIR, sharedPath } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

describe('export onto a full disk', () => {
  const mount = tempCacheDir('murmur-full-disk-');
  before(() => {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'murmur-full-disk', mount.dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `this test mounts a 4 MB tmpfs to fill it and needs root (or CAP_SYS_ADMIN): ${r.error?.message ?? r.stderr}`);
  });
  after(() => {
    spawnSync('umount', [mount.dir]);
    mount.remove();
  });

  for (const format of ['ort', 'onnx'] as const) {
    test(`${format}: DISK_FULL with what to do, and nothing left behind`, async () => {
      const outputDir = path.join(mount.dir, `moonshine-${format}`);
      let caught: unknown;
      try {
        await exportModel({
          source: { dir: sharedPath(MOONSHINE_DIR) },
          format,
          optimization: format === 'ort' ? 'all' : 'extended',
          outputDir,
          card: { author: 'tests', name: 'moonshine', version: '0.0.1', license: 'MIT', language: 'en', description: '', source: '' },
          overwrite: false,
        });
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof MurmurError, `expected DISK_FULL, got ${caught instanceof Error ? caught.message : 'success'}`);
      assert.equal(caught.code, 'DISK_FULL', caught.message);
      assert.match(caught.message, /disk is full/i);
      assert.match(caught.message, /Free some space and try again/);
      assert.deepEqual(fs.readdirSync(mount.dir), [], 'no staging folder or partial file left on the full disk');
    });
  }
});
