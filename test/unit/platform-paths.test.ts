/**
 * The ORT cache folder follows each platform's convention (cacheDirFor is pure: the platform,
 * environment and home folder are given, so every platform is checked on any machine).
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { cacheDirFor, defaultCacheDir } from '../../src/engine/paths';

describe('cache folder per platform', () => {
  test('MURMUR_CACHE_DIR wins on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32', 'freebsd'] as const) {
      assert.equal(cacheDirFor(platform, { MURMUR_CACHE_DIR: '/srv/cache', XDG_CACHE_HOME: '/x', LOCALAPPDATA: 'C:\\L' }, '/home/ada'), '/srv/cache', platform);
    }
  });

  test('Linux: $XDG_CACHE_HOME/murmur/ort, else ~/.cache/murmur/ort', () => {
    assert.equal(cacheDirFor('linux', { XDG_CACHE_HOME: '/var/tmp/xdg' }, '/home/ada'), '/var/tmp/xdg/murmur/ort');
    assert.equal(cacheDirFor('linux', {}, '/home/ada'), '/home/ada/.cache/murmur/ort');
    assert.equal(cacheDirFor('linux', { XDG_CACHE_HOME: '' }, '/home/ada'), '/home/ada/.cache/murmur/ort', 'empty is unset');
    // The XDG specification: a relative path is invalid and must be ignored.
    assert.equal(cacheDirFor('linux', { XDG_CACHE_HOME: 'cache' }, '/home/ada'), '/home/ada/.cache/murmur/ort');
    // Other Unixes follow XDG as Linux does.
    assert.equal(cacheDirFor('freebsd', {}, '/home/ada'), '/home/ada/.cache/murmur/ort');
  });

  test('macOS: ~/Library/Caches/murmur/ort (XDG variables are not the convention there)', () => {
    assert.equal(cacheDirFor('darwin', {}, '/Users/ada'), '/Users/ada/Library/Caches/murmur/ort');
    assert.equal(cacheDirFor('darwin', { XDG_CACHE_HOME: '/Users/ada/.cache' }, '/Users/ada'), '/Users/ada/Library/Caches/murmur/ort');
  });

  test('Windows: %LOCALAPPDATA%\\murmur\\ort, else <home>\\AppData\\Local\\murmur\\ort', () => {
    assert.equal(cacheDirFor('win32', { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Local\\murmur\\ort');
    assert.equal(cacheDirFor('win32', { LOCALAPPDATA: 'D:\\Profiles\\ada\\Local' }, 'C:\\Users\\ada'), 'D:\\Profiles\\ada\\Local\\murmur\\ort');
    assert.equal(cacheDirFor('win32', {}, 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Local\\murmur\\ort');
    assert.equal(cacheDirFor('win32', { LOCALAPPDATA: 'relative\\dir' }, 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Local\\murmur\\ort', 'a relative value is ignored');
    // XDG_CACHE_HOME is not a Windows convention (it may be set by a Unix-like shell).
    assert.equal(cacheDirFor('win32', { XDG_CACHE_HOME: '/c/xdg', LOCALAPPDATA: 'C:\\L' }, 'C:\\Users\\ada'), 'C:\\L\\murmur\\ort');
  });

  test('defaultCacheDir(env) keeps its signature: this machine, its home folder', () => {
    assert.equal(defaultCacheDir({ MURMUR_CACHE_DIR: '/tmp/m' }), '/tmp/m');
    assert.equal(defaultCacheDir({}), cacheDirFor(process.platform, {}, os.homedir()));
  });
});
