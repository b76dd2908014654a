// ESLint flat config: typescript-eslint's recommended rules, plus the project's own boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const vscodeBan = { name: 'vscode', message: 'The engine, protocol, sidecar and CLI must not depend on VS Code.' };
const browserMessage = 'src/protocol and src/webview are bundled into the webview (a browser): no Node modules.';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'models/**', 'native/**/build/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
    },
  },
  {
    // The engine is plain TypeScript that runs in Node without VS Code.
    files: ['src/engine/**/*.ts', 'src/sidecar/**/*.ts', 'src/protocol/**/*.ts', 'src/cli/**/*.ts', 'src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [vscodeBan] }],
    },
  },
  {
    // The extension's deciding logic: node:test drives these through injected ports, without VS Code.
    files: [
      'src/extension/config-bounds.ts',
      'src/extension/dictation-controller.ts',
      'src/extension/dictation-ports.ts',
      'src/extension/edit-retry.ts',
      'src/extension/phrase-committer.ts',
      'src/extension/push-to-talk.ts',
      'src/extension/session-gate.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Deciding logic takes injected ports so node:test can drive it; the VS Code adapter lives beside it.' }] }],
    },
  },
  {
    // The webview bundles src/protocol: Node builtins (node:path, fs, ...) would break it in the browser.
    // Type-only imports are allowed (they vanish from the bundle).
    files: ['src/protocol/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [vscodeBan, ...builtinModules.map((name) => ({ name, message: browserMessage, allowTypeImports: true }))],
          patterns: [{ group: ['node:*'], message: browserMessage, allowTypeImports: true }],
        },
      ],
    },
  },
  {
    // Plain Node scripts (esbuild.js, bin/murmur.js) are CommonJS on purpose.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly', URL: 'readonly', setImmediate: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
