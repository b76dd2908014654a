/**
 * The recorder each platform runs, and the exact command line: a pure function of (platform,
 * device, environment), so every platform's command is tested on any machine and what is tested is
 * what MicrophoneSource spawns.
 *
 * Same programs and arguments as the npm package node-microphone 0.2.0 builds (Murmur used it until
 * it needed the child process for a per-platform stop, see engine/process-stop.ts):
 * - Linux: ALSA's `arecord`, device with -D;
 * - macOS: SoX's `rec` (CoreAudio), device in the AUDIODEV environment variable;
 * - Windows: `sox -t waveaudio <device>` (the Windows multimedia API): "default", a device number,
 *   or the start of a device's name.
 * All ask for raw signed 16-bit little-endian, 16 kHz, mono on stdout, so nothing is resampled here.
 *
 * Deliberate differences from node-microphone, each for a reason stated where it is done: the
 * default device is "default" on Linux (not the second card, plughw:1,0); on macOS "default" drops
 * an inherited AUDIODEV instead of keeping it; Homebrew's folders are searched after PATH on macOS.
 */
import { MurmurError } from '../engine/errors';

export const DEFAULT_DEVICE = 'default';

/** The recorders: ALSA's arecord (Linux and other Unixes), SoX's rec (macOS), sox (Windows). */
export type Recorder = 'arecord' | 'rec' | 'sox';

export function recorderFor(platform: NodeJS.Platform): Recorder {
  if (platform === 'darwin') return 'rec';
  if (platform === 'win32') return 'sox';
  return 'arecord';
}

export interface RecorderSpawn {
  command: Recorder;
  args: string[];
  /** The recorder's whole environment (the spawn's `env`). */
  env: NodeJS.ProcessEnv;
}

/** What the recorder is asked for: what Pcm16Decoder and the recognizers take. */
const FORMAT = { rate: '16000', channels: '1', bits: '16', encoding: 'signed-integer', endian: 'little', type: 'raw' } as const;

/**
 * Homebrew installs SoX in /opt/homebrew/bin (Apple silicon) or /usr/local/bin (Intel). VS Code
 * started from the Dock gets its PATH from the login shell, which lacks them when the profile does
 * not load `brew shellenv`; appended (the user's own PATH still wins), `brew install sox` is enough.
 */
export const HOMEBREW_BIN = ['/opt/homebrew/bin', '/usr/local/bin'] as const;

/**
 * The command line for recording from `device` (already checked by device-name.ts) on `platform`,
 * with `env` as the base environment.
 */
export function recorderSpawn(platform: NodeJS.Platform, device: string, env: NodeJS.ProcessEnv): RecorderSpawn {
  const command = recorderFor(platform);
  if (command === 'sox') {
    return {
      command,
      // Options after the device describe the output: SoX converts whatever the device gives.
      args: ['-t', 'waveaudio', device, '-b', FORMAT.bits, '--endian', FORMAT.endian, '-c', FORMAT.channels, '-r', FORMAT.rate, '-e', FORMAT.encoding, '-t', FORMAT.type, '-'],
      env: { ...env },
    };
  }
  if (command === 'rec') {
    const recEnv: NodeJS.ProcessEnv = { ...env, PATH: withHomebrew(env.PATH) };
    // rec records from AUDIODEV, or from the system's default input without it. "default" must mean
    // the input chosen in System Settings, not an AUDIODEV the editor happened to inherit.
    if (device === DEFAULT_DEVICE) delete recEnv.AUDIODEV;
    else recEnv.AUDIODEV = device;
    return { command, args: ['-q', '-b', FORMAT.bits, '-c', FORMAT.channels, '-r', FORMAT.rate, '-e', FORMAT.encoding, '-t', FORMAT.type, '-'], env: recEnv };
  }
  return { command, args: ['-c', FORMAT.channels, '-r', FORMAT.rate, '-f', 'S16_LE', '-t', FORMAT.type, '-D', device], env: { ...env } };
}

function withHomebrew(pathVar: string | undefined): string {
  const dirs = (pathVar ?? '').split(':').filter(Boolean);
  return [...dirs, ...HOMEBREW_BIN.filter((d) => !dirs.includes(d))].join(':');
}

/**
 * Winget's package for SoX (microsoft/winget-pkgs manifests/c/ChrisBagwell/SoX, 14.4.2). Since
 * August 2025 it installs the portable zip and adds SoX's folder to the user's PATH
 * (ArchiveBinariesDependOnPath); programs started before that do not see the new PATH.
 */
export const WINGET_SOX = 'winget install --id ChrisBagwell.SoX -e';

/** The recorder is not installed (spawn ENOENT): say exactly what to install, with one command. */
export function recorderMissingError(command: Recorder): MurmurError {
  const how =
    command === 'arecord'
      ? 'Install alsa-utils (Debian/Ubuntu: sudo apt-get install alsa-utils; Fedora: sudo dnf install alsa-utils; Arch: sudo pacman -S alsa-utils).'
      : command === 'rec'
        ? 'Murmur records through SoX on macOS. Install it with Homebrew: `brew install sox` (it provides the rec command), then start dictation again.'
        : `Murmur records through SoX on Windows. Install it with \`${WINGET_SOX}\`, then quit and reopen VS Code: winget adds SoX's folder to PATH, and only programs started afterwards see it. If you installed SoX another way, add the folder holding sox.exe to PATH.`;
  const what = command === 'sox' ? 'SoX ("sox.exe")' : `the recorder "${command}"`;
  return new MurmurError('MIC_RECORDER_MISSING', `Cannot record: ${what} was not found on PATH. ${how}`);
}
