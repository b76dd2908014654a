/**
 * Absolute paths by platform. In Node (extension host, sidecar) only this platform's absolute form
 * is accepted: on Linux `C:\x` would resolve inside the sidecar's working folder, on Windows `/x`
 * on whatever drive is current. Windows device paths (\\.\, \\?\, CON, NUL, COM1...) are refused
 * everywhere, as /proc and /dev are. The rules are pure, so every platform is checked here.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { absolutePath, Invalid } from '../../src/protocol/check';
import { HOST_PATH_RULES, isAbsolutePath, windowsDeviceReason } from '../../src/protocol/paths';
import { validateRequest } from '../../src/protocol';

const reasonOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof Invalid) return e.reason;
    throw e;
  }
  return 'accepted';
};

describe('absolute paths by platform', () => {
  test('this process uses its own platform\'s rules', () => {
    assert.equal(HOST_PATH_RULES, process.platform === 'win32' ? 'win32' : 'posix');
  });

  test('POSIX, Windows and browser (either) rules', () => {
    const cases: [string, boolean, boolean][] = [
      // path, absolute on POSIX, absolute on Windows
      ['/home/u/models', true, false],
      ['C:\\Users\\u\\models', false, true],
      ['C:/Users/u/models', false, true],
      ['\\\\server\\share\\models', false, true],
      ['C:models', false, false],
      ['\\models', false, false],
      ['models/tiny', false, false],
      ['', false, false],
    ];
    for (const [p, posix, win] of cases) {
      assert.equal(isAbsolutePath(p, 'posix'), posix, `posix ${p}`);
      assert.equal(isAbsolutePath(p, 'win32'), win, `win32 ${p}`);
      assert.equal(isAbsolutePath(p, 'any'), posix || win, `any ${p}`);
    }
  });

  test('the sidecar refuses the other platform\'s form with the field named', () => {
    const other = process.platform === 'win32' ? '/home/u/models' : 'C:\\Users\\u\\models';
    const r = validateRequest({ type: 'loadModel', id: 1, location: { dir: other }, threads: 1 });
    assert.deepEqual(r, { ok: false, reason: `loadModel.location.dir: expected an absolute path, got the string ${JSON.stringify(other)}` });
  });

  test('Windows device paths are refused on every platform, with the reason', () => {
    for (const p of ['\\\\.\\PhysicalDrive0', '\\\\?\\GLOBALROOT\\Device\\x', '\\\\.\\COM1']) {
      assert.match(windowsDeviceReason(p) ?? '', /device namespaces/, p);
      assert.match(reasonOf(() => absolutePath(p, 'model', 'win32')), /^model: expected a path outside the/, p);
    }
    for (const p of ['C:\\models\\CON', 'C:\\models\\nul.txt', 'C:\\x\\com1\\y', 'C:\\x\\LPT9', 'C:\\x\\CON . ', '\\\\srv\\share\\aux.onnx', 'C:\\x\\CONIN$']) {
      assert.match(windowsDeviceReason(p) ?? '', /is a device, not a file/, p);
      assert.match(reasonOf(() => absolutePath(p, 'model', 'win32')), /^model: expected a path without a Windows device name/, p);
    }
    for (const p of ['C:\\models\\console', 'C:\\models\\con-model', 'C:\\x\\com10', 'C:\\x\\nuls.onnx', '\\\\srv\\share\\models', '/home/u/CON']) {
      assert.equal(windowsDeviceReason(p), undefined, p);
    }
    assert.equal(absolutePath('C:\\Users\\u\\models', 'model', 'win32'), 'C:\\Users\\u\\models');
    assert.equal(absolutePath('/home/u/CON', 'model', 'posix'), '/home/u/CON', 'CON is a plain file name on POSIX');
  });
});
