/**
 * What users install: `npm run package` (scripts/package.mjs) builds one VSIX per desktop target
 * on this clean checkout, and each holds what that platform needs and nothing of another:
 * - the production bundles, the embedded Moonshine model and Silero VAD, package.json, README,
 *   LICENSE, CHANGELOG, and every image the README shows;
 * - onnxruntime-node's runtime for that platform only, and Murmur's own prebuilt mmap addon;
 * - every native binary inside is of the target's format and processor (ELF x86-64/aarch64,
 *   PE32+ x86-64/ARM64, Mach-O arm64), read from its header;
 * - the manifest names the target, so the Marketplace and VS Code pick the right one.
 * Sizes are printed. The linux-x64 VSIX is then installed into a clean code-server and dictates
 * (test/vscode/run.ts --vsix, run by `npm test`).
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import { binaryKind } from '../helpers/binary-format';
import { readZip, type ZipEntry } from '../helpers/zip';

/** onnxruntime-node 1.30 ships these; nothing else (no darwin-x64, no 32-bit). */
const TARGETS = [
  { target: 'win32-x64', platform: 'win32', arch: 'x64', format: 'pe' },
  { target: 'win32-arm64', platform: 'win32', arch: 'arm64', format: 'pe' },
  { target: 'darwin-arm64', platform: 'darwin', arch: 'arm64', format: 'macho' },
  { target: 'linux-x64', platform: 'linux', arch: 'x64', format: 'elf' },
  { target: 'linux-arm64', platform: 'linux', arch: 'arm64', format: 'elf' },
] as const;

const root = packageRoot();
const outDir = path.join(root, 'vsix');
const vsixOf = (target: string) => path.join(outDir, `murmur-${target}.vsix`);

before(() => {
  // Exactly what a user or the release runs, from this checkout.
  const r = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, encoding: 'utf8', timeout: 15 * 60_000 });
  assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
  for (const { target } of TARGETS) assert.match(r.stdout, new RegExp(`vsix/murmur-${target}\\.vsix \\d+\\.\\d MiB`), `the size of the ${target} VSIX is printed`);
  const sizes = TARGETS.map(({ target }) => `${target} ${(fs.statSync(vsixOf(target)).size / 1024 / 1024).toFixed(1)} MiB`);
  console.log(`VSIX sizes: ${sizes.join(', ')}`);
});

describe('npm run package: one VSIX per desktop target', () => {
  for (const t of TARGETS) {
    describe(t.target, () => {
      let entries: ZipEntry[];
      const names = () => entries.map((e) => e.name);
      /** vsce writes README.md and CHANGELOG.md in lower case; the Extensions view finds them either way. */
      const entry = (name: string) => {
        const e = entries.find((x) => x.name === name) ?? (/\/(README|CHANGELOG)\.md$/.test(name) ? entries.find((x) => x.name.toLowerCase() === name.toLowerCase()) : undefined);
        assert.ok(e, `${name} is in the VSIX`);
        return e;
      };
      before(() => {
        entries = readZip(vsixOf(t.target));
      });

      test('the manifest names this target', () => {
        const manifest = entry('extension.vsixmanifest').read().toString('utf8');
        assert.match(manifest, new RegExp(`TargetPlatform="${t.target}"`));
      });

      test('bundles, embedded models, addon and onnxruntime for this platform are inside', () => {
        for (const f of [
          'extension/package.json',
          'extension/README.md',
          'extension/LICENSE.txt',
          'extension/dist/extension.js',
          'extension/dist/sidecar.js',
          'extension/dist/cli.js',
          'extension/dist/webview.js',
          'extension/dist/probe.js',
          'extension/models/moonshine-tiny-en-int8/encoder_model.onnx',
          'extension/models/moonshine-tiny-en-int8/decoder_model_merged.onnx',
          'extension/models/silero-vad/silero_vad.onnx',
          `extension/native/prebuilds/${t.target}/murmur_mmap.node`,
          `extension/node_modules/onnxruntime-node/bin/napi-v6/${t.platform}/${t.arch}/onnxruntime_binding.node`,
        ]) {
          entry(f);
        }
        const model = entry('extension/models/moonshine-tiny-en-int8/encoder_model.onnx');
        assert.equal(model.size, fs.statSync(path.join(root, 'models/moonshine-tiny-en-int8/encoder_model.onnx')).size, 'the model whole');
      });

      test('nothing of another platform, no development files', () => {
        const foreign = names().filter((n) => {
          const ort = /onnxruntime-node\/bin\/napi-v6\/([^/]+)\/([^/]+)\//.exec(n);
          if (ort && (ort[1] !== t.platform || ort[2] !== t.arch)) return true;
          const addon = /native\/prebuilds\/([^/]+)\//.exec(n);
          return Boolean(addon && addon[1] !== t.target);
        });
        assert.deepEqual(foreign, []);
        const dev = names().filter((n) => /(^|\/)(src|test|bench|\.git|native\/mmap\/build)\//.test(n) || /\.(ts|map)$/.test(n) || n.includes('sherpa-onnx'));
        assert.deepEqual(dev, []);
      });

      test(`every native binary is ${t.format} for ${t.arch}`, () => {
        const binaries: string[] = [];
        for (const e of entries) {
          if (!/\.(node|dll|so(\.\d+)*|dylib|exe)$/.test(e.name)) continue;
          const kind = binaryKind(e.read().subarray(0, 4096));
          assert.ok(kind, `${e.name} is a native binary`);
          assert.equal(kind.format, t.format, `${e.name}: ${kind.format}`);
          assert.equal(kind.platform, t.platform, `${e.name}: ${kind.platform}`);
          assert.equal(kind.arch, t.arch, `${e.name}: ${kind.arch}`);
          assert.ok(kind.bits64, `${e.name}: 64-bit`);
          binaries.push(e.name.split('/').pop() ?? e.name);
        }
        // At least the binding, onnxruntime itself and Murmur's addon.
        assert.ok(binaries.includes('murmur_mmap.node') && binaries.includes('onnxruntime_binding.node') && binaries.length >= 3, binaries.join(', '));
      });

      test("the README's images are inside the VSIX, where the Extensions view finds them", () => {
        const readme = entry('extension/README.md').read().toString('utf8');
        const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g), ...readme.matchAll(/<img[^>]+src="([^"]+)"/g)].map((m) => m[1]);
        assert.ok(images.length > 0, 'the README shows pictures');
        for (const src of images) {
          assert.ok(!/^[a-z]+:/i.test(src), `${src}: an image from the network would not show offline`);
          entry(`extension/${path.posix.normalize(src)}`);
        }
      });
    });
  }
});
