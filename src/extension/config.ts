/**
 * Every setting Murmur reads, in one place, typed. Defaults live in package.json
 * (contributes.configuration); the fallbacks here only guard against hand-edited nonsense.
 */
import * as vscode from 'vscode';
import type { ModelLocation } from '../engine/models/spec';
import type { RecognizerOptions } from '../engine/recognizer';
import * as fs from 'node:fs';
import type { InterpretOptions } from '../text/interpret';
import type { FormatOptions } from '../text/smart-format';

export interface MurmurConfig {
  model: ModelLocation;
  /** True when no model is configured: the embedded default is used. */
  usesDefaultModel: boolean;
  device: string;
  threads: number;
  recognizer: Partial<RecognizerOptions>;
  format: FormatOptions;
  startEngineOnStartup: boolean;
  releaseDelayMs: number;
  voice: InterpretOptions;
  /** Bias recognition towards the user's words (identifiers in view, symbols, murmur.voice.vocabulary). */
  vocabularyBiasing: boolean;
  vocabulary: string[];
  /** A problem reading murmur.voice.mappingFile, to tell the user. */
  voiceMappingError?: string;
}

/**
 * The user's extra spoken forms: a JSON object, what is said -> what is typed, e.g.
 * {"arrow": "=>", "my email": "ada@example.org"}.
 */
export function readMappingFile(file: string): { extra: { say: string; text: string }[]; error?: string } {
  if (!file) return { extra: [] };
  try {
    const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { extra: [], error: `${file} must hold a JSON object ("what you say": "what is typed").` };
    const extra: { say: string; text: string }[] = [];
    for (const [say, text] of Object.entries(raw)) {
      if (typeof text !== 'string' || !say.trim()) return { extra: [], error: `${file}: "${say}" must map to a string.` };
      extra.push({ say: say.trim(), text });
    }
    return { extra };
  } catch (e) {
    return { extra: [], error: `Cannot read murmur.voice.mappingFile ${file}: ${(e as Error).message}` };
  }
}

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : fallback;
  return Math.min(max, Math.max(min, n));
}

function str(c: vscode.WorkspaceConfiguration, key: string): string {
  const v = c.get<unknown>(key);
  return typeof v === 'string' ? v.trim() : '';
}

export function readConfig(defaultModelDir: string): MurmurConfig {
  const c = vscode.workspace.getConfiguration('murmur');
  const dir = str(c, 'model.path');
  const files = { encoder: str(c, 'model.encoder'), decoder: str(c, 'model.decoder'), joiner: str(c, 'model.joiner'), tokens: str(c, 'model.tokens') };
  const familySetting = str(c, 'model.family');
  const family = familySetting === 'moonshine' || familySetting === 'zipformer' ? familySetting : 'auto';
  const explicit = Object.values(files).some(Boolean);
  const usesDefaultModel = !dir && !explicit;
  const model: ModelLocation = { family, ...(usesDefaultModel ? { dir: defaultModelDir } : dir ? { dir } : {}) };
  for (const [k, v] of Object.entries(files)) if (v) (model as Record<string, string>)[k] = v;
  const mapping = readMappingFile(str(c, 'voice.mappingFile'));
  const decoding = str(c, 'engine.decoding') === 'modified-beam-search' ? 'modified-beam-search' : 'greedy';
  return {
    model,
    usesDefaultModel,
    device: str(c, 'microphone.device') || 'default',
    threads: clampInt(c.get('engine.threads'), 1, 16, 1),
    recognizer: {
      partials: c.get<boolean>('partialResults', true) !== false,
      endpointSilenceMs: clampInt(c.get('vad.silenceMs'), 200, 5000, 800),
      maxUtteranceSec: clampInt(c.get('vad.maxUtteranceSeconds'), 3, 60, 20),
      normalizeGain: c.get<boolean>('normalizeGain', true) !== false,
      decoding,
    },
    format: {
      smartSpacing: c.get<boolean>('text.smartSpacing', true) !== false,
      smartCapitalization: c.get<boolean>('text.smartCapitalization', true) !== false,
    },
    startEngineOnStartup: c.get<boolean>('startEngineOnStartup', false) === true,
    releaseDelayMs: clampInt(c.get('pushToTalk.releaseDelayMs'), 150, 3000, 600),
    voice: {
      spokenPunctuation: c.get<boolean>('voice.spokenPunctuation', true) !== false,
      codeFormatting: c.get<boolean>('voice.codeFormatting', true) !== false,
      voiceCommands: c.get<boolean>('voice.commands', true) !== false,
      extra: mapping.extra,
    },
    voiceMappingError: mapping.error,
    vocabularyBiasing: c.get<boolean>('voice.vocabularyBiasing', true) !== false,
    vocabulary: (c.get<unknown[]>('voice.vocabulary', []) ?? []).filter((w): w is string => typeof w === 'string' && w.trim() !== '').slice(0, 2000),
  };
}

/** Settings whose change needs the model reloaded. */
export function affectsModel(e: vscode.ConfigurationChangeEvent): boolean {
  return ['murmur.model', 'murmur.engine.threads'].some((k) => e.affectsConfiguration(k));
}
