/**
 * "Select Microphone..." on macOS and Windows: the parsers of what system_profiler and SoX print,
 * on sample outputs written here from their formats (not captured on those machines: this one runs
 * Linux), and the listings around them with the command runner replaced.
 *
 * - system_profiler SPAudioDataType -json: {"SPAudioDataType": [{"_name": "coreaudio_device",
 *   "_items": [{"_name": ..., "coreaudio_device_input": <channels>, ...}]}]}; older macOS nests one
 *   level deeper. Keys as macOS 13-15 print them.
 * - SoX 14.4.2 at -V4 (src/waveaudio.c): lsx_debug("Enumerating input device %2d: \"%s\"") for
 *   WAVE_MAPPER (-1) and every input, each line prefixed by sox.c's output_message
 *   ("sox DBUG waveaudio: "), then the failure to open the probe name.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  listMacDevices,
  listWindowsDevices,
  MAC_DEFAULT,
  parseSoxWaveaudioList,
  parseSystemProfilerAudio,
  SOX_LIST_ARGS,
  SOX_LIST_PROBE,
  WINDOWS_DEFAULT,
  type ListOutput,
} from '../../src/sidecar/device-lists';
import { listDevices } from '../../src/sidecar/devices';

const SYSTEM_PROFILER = JSON.stringify(
  {
    SPAudioDataType: [
      {
        _items: [
          {
            _name: 'MacBook Pro Microphone',
            coreaudio_default_audio_input_device: 'spaudio_yes',
            coreaudio_device_input: 1,
            coreaudio_device_manufacturer: 'Apple Inc.',
            coreaudio_device_srate: 48000,
            coreaudio_device_transport: 'coreaudio_device_type_builtin',
            coreaudio_input_source: 'MacBook Pro Microphone',
          },
          {
            _name: 'MacBook Pro Speakers',
            coreaudio_default_audio_output_device: 'spaudio_yes',
            coreaudio_default_audio_system_device: 'spaudio_yes',
            coreaudio_device_manufacturer: 'Apple Inc.',
            coreaudio_device_output: 2,
            coreaudio_device_srate: 48000,
            coreaudio_device_transport: 'coreaudio_device_type_builtin',
            coreaudio_output_source: 'MacBook Pro Speakers',
          },
          {
            _name: 'Yeti Stereo Microphone',
            coreaudio_device_input: 2,
            coreaudio_device_manufacturer: 'Blue Microphones',
            coreaudio_device_output: 2,
            coreaudio_device_srate: 48000,
            coreaudio_device_transport: 'coreaudio_device_type_usb',
          },
          { _name: 'ZoomAudioDevice', coreaudio_device_input: 2, coreaudio_device_manufacturer: 'zoom.us', coreaudio_device_transport: 'coreaudio_device_type_virtual' },
        ],
        _name: 'coreaudio_device',
      },
    ],
  },
  null,
  2,
);

/** An older layout: devices one level further down. */
const SYSTEM_PROFILER_NESTED = JSON.stringify({
  SPAudioDataType: [{ _name: 'Intel High Definition Audio', _items: [{ _name: 'devices', _items: [{ _name: 'Built-in Microphone', coreaudio_device_input: 2, coreaudio_default_audio_input_device: 'spaudio_yes' }, { _name: 'Built-in Output', coreaudio_device_output: 2 }] }] }],
});

const SOX_WINDOWS = [
  'sox:      SoX v14.4.2',
  'time:     Feb 22 2015 14:41:41',
  'compiler: gcc 4.9.2',
  'arch:     1248 48 44 L',
  'sox DBUG waveaudio: Enumerating input device -1: "Microsoft Sound Mapper - Input"',
  'sox DBUG waveaudio: Enumerating input device  0: "Microphone (Realtek(R) Audio)"',
  'sox DBUG waveaudio: Enumerating input device  1: "Headset Microphone (Jabra Evol"',
  'sox DBUG waveaudio: Enumerating input device  2: "Mikrofon (USB Audio Ger\uFFFDt)"',
  'sox DBUG waveaudio: Enumerating input device  3: "Microphone (Realtek(R) Audio)"',
  `sox FAIL formats: can't open input  \`${SOX_LIST_PROBE}': The requested WaveAudio device was not found.`,
  '',
].join('\r\n');

describe('macOS inputs from system_profiler', () => {
  test('inputs only, by the name rec takes in AUDIODEV, with what they are', () => {
    assert.deepEqual(parseSystemProfilerAudio(SYSTEM_PROFILER), [
      { name: 'MacBook Pro Microphone', description: 'Apple Inc. - built-in - the current default input' },
      { name: 'Yeti Stereo Microphone', description: 'Blue Microphones - USB' },
      { name: 'ZoomAudioDevice', description: 'zoom.us - virtual' },
    ]);
  });

  test('the older, deeper layout', () => {
    assert.deepEqual(parseSystemProfilerAudio(SYSTEM_PROFILER_NESTED), [{ name: 'Built-in Microphone', description: 'the current default input' }]);
  });

  test('unreadable or unexpected output lists nothing', () => {
    for (const text of ['', 'not json', '[]', '{"SPAudioDataType": 3}', '{"SPAudioDataType": [{"_items": [{"_name": 7, "coreaudio_device_input": 1}]}]}']) {
      assert.deepEqual(parseSystemProfilerAudio(text), [], text);
    }
  });

  test('the listing: "default" first; when system_profiler fails, only "default", saying where to choose', async () => {
    const calls: string[][] = [];
    const ok = async (command: string, args: readonly string[]): Promise<ListOutput> => {
      calls.push([command, ...args]);
      return { ok: true, stdout: SYSTEM_PROFILER, stderr: '' };
    };
    const listed = await listMacDevices({}, ok);
    assert.deepEqual(calls, [['system_profiler', 'SPAudioDataType', '-json']]);
    assert.deepEqual(listed[0], MAC_DEFAULT);
    assert.deepEqual(listed.slice(1).map((d) => d.name), ['MacBook Pro Microphone', 'Yeti Stereo Microphone', 'ZoomAudioDevice']);

    const failed = await listMacDevices({}, async () => ({ ok: false, missing: true, why: 'spawn system_profiler ENOENT', stderr: '' }));
    assert.equal(failed.length, 1);
    assert.equal(failed[0].name, 'default');
    assert.match(failed[0].description, /system_profiler failed: spawn system_profiler ENOENT/);
    assert.match(failed[0].description, /System Settings > Sound > Input/);
  });
});

describe('Windows inputs from SoX', () => {
  test('SoX is asked for a name no device has, at debug verbosity', () => {
    assert.deepEqual(SOX_LIST_ARGS, ['-V4', '-t', 'waveaudio', SOX_LIST_PROBE, '-n']);
  });

  test('every input by name; the sound mapper is "default"; a mis-decoded name or a duplicate by number', () => {
    const devices = parseSoxWaveaudioList(SOX_WINDOWS);
    assert.deepEqual(devices.map((d) => d.name), ['Microphone (Realtek(R) Audio)', 'Headset Microphone (Jabra Evol', '2', '3']);
    assert.equal(devices[0].description, 'Windows recording device 0');
    assert.match(devices[2].description, /^Windows recording device 2 \(Mikrofon \(USB Audio Ger\?t\)\), by number/);
    assert.match(devices[3].description, /^Windows recording device 3 \(Microphone \(Realtek\(R\) Audio\)\), by number/);
  });

  test('no enumeration lines (another SoX build, no waveaudio) lists nothing', () => {
    assert.deepEqual(parseSoxWaveaudioList("sox FAIL formats: no handler for given file type `waveaudio'\n"), []);
  });

  test('the listing: "default" first; SoX missing is reported; no devices gives "default" saying how to choose', async () => {
    const withDevices = await listWindowsDevices({}, async (command, args) => {
      assert.equal(command, 'sox');
      assert.deepEqual(args, SOX_LIST_ARGS);
      return { ok: false, missing: false, why: 'The requested WaveAudio device was not found.', stderr: SOX_WINDOWS };
    });
    assert.notEqual(withDevices, 'missing');
    if (withDevices === 'missing') return;
    assert.deepEqual(withDevices[0], WINDOWS_DEFAULT);
    assert.equal(withDevices.length, 5);

    assert.equal(await listWindowsDevices({}, async () => ({ ok: false, missing: true, why: 'ENOENT', stderr: '' })), 'missing');

    const none = await listWindowsDevices({}, async () => ({ ok: false, missing: false, why: "no handler for given file type `waveaudio'", stderr: '' }));
    assert.notEqual(none, 'missing');
    if (none === 'missing') return;
    assert.equal(none.length, 1);
    assert.equal(none[0].name, 'default');
    assert.match(none[0].description, /its number \(0 is the first\)/);
  });
});

describe('listDevices picks the listing by platform', () => {
  test('macOS without system_profiler (this machine is not a Mac): "default" only, never an error', async () => {
    const devices = await listDevices({ PATH: '/nonexistent' }, 'darwin');
    assert.equal(devices.length, 1);
    assert.equal(devices[0].name, 'default');
  });

  test('Windows without SoX: MIC_RECORDER_MISSING with the winget command', async () => {
    await assert.rejects(listDevices({ PATH: '/nonexistent' }, 'win32'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MIC_RECORDER_MISSING');
      assert.match(e.message, /winget install --id ChrisBagwell\.SoX -e/);
      return true;
    });
  });
});
