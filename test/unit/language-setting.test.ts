/**
 * murmur.language (issue 17, point 5): package.json, the setting reader and the protocol agree on
 * what a language value is, so whatever the user types, what the extension sends is what the
 * sidecar accepts; the setting is the user's alone, like the model settings.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LANGUAGE, isLanguageSetting, LANGUAGE_MAX_LENGTH, LANGUAGE_PATTERN, WHISPER_V3_LANGUAGES } from '../../src/engine/languages';
import { packageRoot } from '../../src/engine/paths';
import { languageSetting } from '../../src/extension/config-language';
import { USER_ONLY } from '../../src/extension/user-only-settings';
import { validateRequest } from '../../src/protocol';

interface Setting {
  type?: string;
  default?: unknown;
  pattern?: string;
  maxLength?: number;
  scope?: string;
  markdownDescription?: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Setting> } };
};
const setting = manifest.contributes.configuration.properties['murmur.language'];

/** What a user may type, sensible or not. */
const TYPED: unknown[] = ['auto', 'de', 'fr', 'haw', 'yue', ' DE ', 'En', 'German', 'pt-BR', 'de_DE', '', 'x'.repeat(100), 'auto ', 42, null, undefined, ['de'], { code: 'de' }, 'd', 'abcd', 'de\n'];

const accepted = (language: unknown): boolean => validateRequest({ type: 'setOptions', id: 1, options: { language } }).ok;

describe('murmur.language', () => {
  test('package.json declares the same form, bound and default as the engine', () => {
    assert.ok(setting, 'murmur.language is contributed');
    assert.equal(setting.type, 'string');
    assert.equal(setting.default, DEFAULT_LANGUAGE);
    assert.equal(setting.pattern, LANGUAGE_PATTERN.source);
    assert.equal(setting.maxLength, LANGUAGE_MAX_LENGTH);
  });

  test('is scoped like the model settings: application scope, read from the user settings only', () => {
    assert.equal(setting.scope, 'application');
    assert.equal(manifest.contributes.configuration.properties['murmur.model.path'].scope, setting.scope);
    assert.ok(USER_ONLY.includes('language'));
    assert.ok(USER_ONLY.includes('model.path'));
  });

  test('its description explains auto and forcing a code', () => {
    const text = setting.markdownDescription ?? '';
    assert.match(text, /`auto`/);
    assert.match(text, /Whisper/);
    assert.match(text, /ISO 639-1/);
    assert.match(text, /English/, 'says that spoken punctuation and voice commands stay English');
  });

  test('the reader sends only what the protocol accepts, whatever was typed', () => {
    for (const typed of TYPED) {
      const sent = languageSetting(typed);
      assert.ok(accepted(sent), `${JSON.stringify(typed)} -> ${JSON.stringify(sent)} is accepted by setOptions`);
    }
  });

  test('the reader keeps a valid value (case and spaces aside) and replaces anything else with auto', () => {
    assert.equal(languageSetting('de'), 'de');
    assert.equal(languageSetting(' DE '), 'de');
    assert.equal(languageSetting('haw'), 'haw');
    assert.equal(languageSetting('German'), 'auto');
    assert.equal(languageSetting('pt-BR'), 'auto');
    assert.equal(languageSetting(''), 'auto');
    assert.equal(languageSetting(42), 'auto');
    assert.equal(languageSetting(undefined), 'auto');
  });

  test('the package.json pattern, the engine check and the protocol accept exactly the same strings', () => {
    const jsonPattern = new RegExp(setting.pattern ?? '(?!)');
    for (const typed of TYPED.filter((t): t is string => typeof t === 'string')) {
      const byManifest = jsonPattern.test(typed) && typed.length <= (setting.maxLength ?? 0);
      assert.equal(isLanguageSetting(typed), byManifest, `engine vs package.json on ${JSON.stringify(typed)}`);
      assert.equal(accepted(typed), byManifest, `protocol vs package.json on ${JSON.stringify(typed)}`);
    }
  });

  test('every language Whisper knows can be forced', () => {
    for (const code of WHISPER_V3_LANGUAGES) {
      assert.ok(isLanguageSetting(code), code);
      assert.equal(languageSetting(code), code);
    }
  });
});
