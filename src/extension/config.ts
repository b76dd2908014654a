/**
 * Every setting Murmur reads, in one place, typed. Numeric bounds and defaults come from
 * config-bounds.ts (checked against package.json by a unit test).
 *
 * A repository the user opens can set settings in its .vscode/settings.json. The ones that name
 * files or devices, or start the engine, are `application` scoped in package.json so VS Code
 * ignores them there, and restricted in untrusted workspaces; they are read here from the user's own
 * settings only (USER_ONLY), so a scope loosened by mistake still does not let a workspace in.
 */
import * as vscode from 'vscode';
import type { ModelLocation } from '../engine/models/spec';
import type { ModelFamily, RecognizerOptions } from '../engine/recognizer';
import { MODEL_FAMILIES } from '../protocol/model-tools';
import type { InterpretOptions } from '../text/interpret';
import type { FormatOptions } from '../text/smart-format';
import { bounded } from './config-bounds';
import { languageSetting } from './config-language';
import { MappingFileReader } from './mapping-file';
import { USER_ONLY } from './user-only-settings';

export { USER_ONLY };

export interface MurmurConfig {
  model: ModelLocation;
  /** True when no model is configured: the embedded default is used. */
  usesDefaultModel: boolean;
  device: string;
  threads: number;
  recognizer: Partial<RecognizerOptions>;
  format: FormatOptions;
  startEngineOnStartup: boolean;
  /** Minutes without use after which the engine stops (idle-stop.ts); 0: never. */
  stopWhenIdleMinutes: number;
  releaseDelayMs: number;
  voice: InterpretOptions;
  /** Bias recognition towards the user's words (identifiers in view, symbols, murmur.voice.vocabulary). */
  vocabularyBiasing: boolean;
  vocabulary: string[];
  /** murmur.voice.mappingFile as set (empty when unset); the service watches the file it names. */
  voiceMappingFile: string;
  /** A problem reading murmur.voice.mappingFile, to tell the user. */
  voiceMappingError?: string;
}



/**
 * A setting's value: for USER_ONLY keys the user's or the default, never a workspace or folder
 * value.
 */
function get(c: vscode.WorkspaceConfiguration, key: string): unknown {
  if (!USER_ONLY.includes(key)) return c.get<unknown>(key);
  const info = c.inspect<unknown>(key);
  return info?.globalValue ?? info?.defaultValue;
}

function str(c: vscode.WorkspaceConfiguration, key: string): string {
  const v = get(c, key);
  return typeof v === 'string' ? v.trim() : '';
}

/** One per extension host: it keeps the parsed mapping file until the file changes. */
const sharedMappingFiles = new MappingFileReader();

/** A fresh snapshot of the settings; ConfigService keeps the current one, call sites read that. */
export function readConfig(defaultModelDir: string, mappingFiles: MappingFileReader = sharedMappingFiles): MurmurConfig {
  const c = vscode.workspace.getConfiguration('murmur');
  const dir = str(c, 'model.path');
  const files = { encoder: str(c, 'model.encoder'), decoder: str(c, 'model.decoder'), joiner: str(c, 'model.joiner'), tokens: str(c, 'model.tokens') };
  const familySetting = str(c, 'model.family');
  const family = (MODEL_FAMILIES as readonly string[]).includes(familySetting) ? (familySetting as ModelFamily) : 'auto';
  const explicit = Object.values(files).some(Boolean);
  const usesDefaultModel = !dir && !explicit;
  const model: ModelLocation = { family, ...(usesDefaultModel ? { dir: defaultModelDir } : dir ? { dir } : {}) };
  for (const [k, v] of Object.entries(files)) if (v) (model as Record<string, string>)[k] = v;
  const voiceMappingFile = str(c, 'voice.mappingFile');
  const mapping = mappingFiles.read(voiceMappingFile);
  const decoding = str(c, 'engine.decoding') === 'modified-beam-search' ? 'modified-beam-search' : 'greedy';
  return {
    model,
    usesDefaultModel,
    device: str(c, 'microphone.device') || 'default',
    threads: bounded('engine.threads', c.get('engine.threads')),
    recognizer: {
      partials: c.get<boolean>('partialResults', true) !== false,
      endpointSilenceMs: bounded('vad.silenceMs', c.get('vad.silenceMs')),
      maxUtteranceSec: bounded('vad.maxUtteranceSeconds', c.get('vad.maxUtteranceSeconds')),
      normalizeGain: c.get<boolean>('normalizeGain', true) !== false,
      decoding,
      language: languageSetting(get(c, 'language')),
    },
    format: {
      smartSpacing: c.get<boolean>('text.smartSpacing', true) !== false,
      smartCapitalization: c.get<boolean>('text.smartCapitalization', true) !== false,
    },
    startEngineOnStartup: get(c, 'startEngineOnStartup') === true,
    stopWhenIdleMinutes: bounded('engine.stopWhenIdleMinutes', get(c, 'engine.stopWhenIdleMinutes')),
    releaseDelayMs: bounded('pushToTalk.releaseDelayMs', c.get('pushToTalk.releaseDelayMs')),
    voice: {
      spokenPunctuation: c.get<boolean>('voice.spokenPunctuation', true) !== false,
      codeFormatting: c.get<boolean>('voice.codeFormatting', true) !== false,
      voiceCommands: c.get<boolean>('voice.commands', true) !== false,
      sendCommand: get(c, 'voice.sendCommand') !== false,
      extra: mapping.extra,
    },
    voiceMappingFile,
    voiceMappingError: mapping.error,
    vocabularyBiasing: c.get<boolean>('voice.vocabularyBiasing', true) !== false,
    vocabulary: (c.get<unknown[]>('voice.vocabulary', []) ?? []).filter((w): w is string => typeof w === 'string' && w.trim() !== '').slice(0, 2000),
  };
}

/** Settings whose change needs the model reloaded. */
export function affectsModel(e: vscode.ConfigurationChangeEvent): boolean {
  return ['murmur.model', 'murmur.engine.threads'].some((k) => e.affectsConfiguration(k));
}
