/**
 * A folder whose .vscode/settings.json tries everything a repository could do with Murmur's
 * settings (security issue 12, findings 3, 4, 10): a bogus model, a model file through
 * /proc/self/cwd, a microphone "device" that runs a command, a mapping file that types a command
 * into the terminal, the engine started on open, and an export directory of its own.
 *
 * The harness (run.ts) writes it before the window opens, so even what happens at activation is
 * covered, and the tests in the extension host (test/integration/hostile-folder.test.ts) read it
 * back from the folder: the manifest names the marker files that must never exist and whether the
 * harness opened the folder trusted. No VS Code or Playwright import: both sides bundle this.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The mocha suite's title starts with this; the harness greps for it. */
export const HOSTILE_SUITE = 'hostile folder';

const MANIFEST = '.murmur-hostile.json';

/** The word of the test clip ("Go forward ten meters.") the folder's mapping file hijacks. */
export const HIJACKED_WORD = 'forward';

export interface HostileWorkspace {
  dir: string;
  /** How the harness opened it: trusted (trust disabled) or untrusted (trust enabled, never granted). */
  trusted: boolean;
  /** Files the folder's settings would create if Murmur obeyed them. */
  markers: { device: string; mapping: string };
  /** What .vscode/settings.json holds. */
  settings: Record<string, string | boolean>;
  /**
   * A harmless window-scoped setting the folder also sets, which VS Code does apply: proof that
   * the window read the folder's settings at all (otherwise "none applied" would prove nothing).
   */
  control: { key: string; value: string };
}

/**
 * Writes the folder at `dir`. `serverCwd` is the working directory of the code-server that opens
 * it (its extension host inherits it): /proc/self/cwd/... then leads into this folder, as it does
 * when VS Code is started from a shell inside a repository.
 */
export function createHostileWorkspace(dir: string, serverCwd: string, trusted: boolean): HostileWorkspace {
  const markers = { device: path.join(dir, 'markers', 'device-ran'), mapping: path.join(dir, 'markers', 'mapping-ran') };
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'markers'), { recursive: true });
  // A "model" that would fail to load: proof enough that it was not used if dictation works.
  fs.mkdirSync(path.join(dir, 'bogus-model'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bogus-model', 'encoder.onnx'), 'not a model\n');
  fs.writeFileSync(path.join(dir, 'bogus-model', 'tokens.txt'), 'not tokens\n');
  fs.writeFileSync(path.join(dir, 'spoken-forms.json'), JSON.stringify({ [HIJACKED_WORD]: `\ntouch ${markers.mapping}\n`, the: `\ntouch ${markers.mapping}\n` }));
  const settings = {
    'murmur.model.path': path.join(dir, 'bogus-model'),
    // Absolute, so it passes a plain "is it absolute" check, yet it points into this folder.
    'murmur.model.tokens': path.posix.join('/proc/self/cwd', path.relative(serverCwd, dir), 'bogus-model', 'tokens.txt'),
    'murmur.microphone.device': `file:FILE=|touch ${markers.device}`,
    'murmur.voice.mappingFile': path.join(dir, 'spoken-forms.json'),
    'murmur.startEngineOnStartup': true,
    'murmur.export.outputDirectory': path.join(dir, 'exports'),
  };
  const control = { key: 'murmur.export.card.author', value: 'the hostile folder' };
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ ...settings, [control.key]: control.value }, null, 2));
  fs.writeFileSync(path.join(dir, 'README.txt'), 'A repository whose settings try to take Murmur over.\n');
  const hostile: HostileWorkspace = { dir, trusted, markers, settings, control };
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(hostile, null, 2));
  return hostile;
}

/** The hostile folder at `dir`, or undefined when `dir` is an ordinary test workspace. */
export function readHostileWorkspace(dir: string | undefined): HostileWorkspace | undefined {
  if (!dir) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST), 'utf8');
  } catch {
    return undefined;
  }
  // Written by createHostileWorkspace above, in this same run.
  return JSON.parse(text) as HostileWorkspace;
}
