/**
 * The recorder's command line on each platform (recorderSpawn is pure), and what a user is told
 * when the recorder is not installed.
 *
 * The expected argv are node-microphone 0.2.0's (node_modules/node-microphone/index.js,
 * startRecording) for rate 16000, 1 channel, 16 bits, signed-integer, little endian, raw, which is
 * what Murmur asked it for before it spawned the recorder itself.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { recorderCommand, recorderMissingError } from '../../src/sidecar/devices';
import { HOMEBREW_BIN, recorderFor, recorderSpawn, WINGET_SOX } from '../../src/sidecar/recorder';

const BASE = { PATH: '/usr/bin:/bin', HOME: '/home/ada' };

describe('recorder command line per platform', () => {
  test('the recorder: arecord on Linux (and other Unixes), rec on macOS, sox on Windows', () => {
    assert.equal(recorderFor('linux'), 'arecord');
    assert.equal(recorderFor('freebsd'), 'arecord');
    assert.equal(recorderFor('darwin'), 'rec');
    assert.equal(recorderFor('win32'), 'sox');
    assert.equal(recorderCommand('win32'), 'sox');
    assert.equal(recorderCommand(), recorderFor(process.platform), 'defaults to this machine');
  });

  test('Linux: arecord -c 1 -r 16000 -f S16_LE -t raw -D <device>, environment unchanged', () => {
    for (const device of ['default', 'plughw:1,0', 'sysdefault:CARD=PCH']) {
      const spec = recorderSpawn('linux', device, BASE);
      assert.equal(spec.command, 'arecord');
      assert.deepEqual(spec.args, ['-c', '1', '-r', '16000', '-f', 'S16_LE', '-t', 'raw', '-D', device]);
      assert.deepEqual(spec.env, BASE);
      assert.notEqual(spec.env, BASE, 'a copy: the caller\'s environment is not changed');
    }
  });

  test('macOS: rec -q ... -t raw -, the device in AUDIODEV; "default" drops an inherited AUDIODEV', () => {
    const args = ['-q', '-b', '16', '-c', '1', '-r', '16000', '-e', 'signed-integer', '-t', 'raw', '-'];
    const named = recorderSpawn('darwin', 'MacBook Pro Microphone', BASE);
    assert.equal(named.command, 'rec');
    assert.deepEqual(named.args, args);
    assert.equal(named.env.AUDIODEV, 'MacBook Pro Microphone');

    const inherited = { ...BASE, AUDIODEV: 'Some Other Device' };
    const byDefault = recorderSpawn('darwin', 'default', inherited);
    assert.deepEqual(byDefault.args, args);
    assert.equal('AUDIODEV' in byDefault.env, false, 'rec then records from the input chosen in System Settings');
    assert.equal(inherited.AUDIODEV, 'Some Other Device', 'the caller\'s environment is not changed');
  });

  test('macOS: Homebrew\'s folders are searched after PATH, once', () => {
    assert.equal(recorderSpawn('darwin', 'default', BASE).env.PATH, ['/usr/bin', '/bin', ...HOMEBREW_BIN].join(':'));
    assert.equal(recorderSpawn('darwin', 'default', { PATH: '/opt/homebrew/bin:/usr/bin' }).env.PATH, '/opt/homebrew/bin:/usr/bin:/usr/local/bin');
    assert.equal(recorderSpawn('darwin', 'default', {}).env.PATH, HOMEBREW_BIN.join(':'));
    assert.equal(recorderSpawn('linux', 'default', BASE).env.PATH, BASE.PATH, 'only on macOS');
  });

  test('Windows: sox -t waveaudio <device> then the output format, environment unchanged', () => {
    for (const device of ['default', '0', 'Microphone (Realtek(R) Audio)']) {
      const spec = recorderSpawn('win32', device, BASE);
      assert.equal(spec.command, 'sox');
      assert.deepEqual(spec.args, ['-t', 'waveaudio', device, '-b', '16', '--endian', 'little', '-c', '1', '-r', '16000', '-e', 'signed-integer', '-t', 'raw', '-']);
      assert.deepEqual(spec.env, BASE);
    }
  });

  test('a missing recorder says what to install, with one command', () => {
    const linux = recorderMissingError('arecord');
    assert.equal(linux.code, 'MIC_RECORDER_MISSING');
    assert.match(linux.message, /sudo apt-get install alsa-utils/);

    const mac = recorderMissingError('rec');
    assert.match(mac.message, /`brew install sox`/);
    assert.match(mac.message, /SoX/);

    const win = recorderMissingError('sox');
    assert.equal(WINGET_SOX, 'winget install --id ChrisBagwell.SoX -e');
    assert.ok(win.message.includes(`\`${WINGET_SOX}\``), win.message);
    assert.match(win.message, /PATH/);
    assert.match(win.message, /reopen VS Code/);
    assert.match(win.message, /folder holding sox\.exe/);
  });
});
