// Cross-builds Murmur's mmap addon (native/mmap) for every desktop target onnxruntime-node 1.30
// ships binaries for, from this one Linux machine, into native/prebuilds/<platform>-<arch>/
// murmur_mmap.node (git-ignored: built, never committed; scripts/package.mjs puts each target's
// own into its VSIX). Users of a VSIX have no compiler, so nothing is built on their machines.
//
//   linux-x64     x86_64-linux-gnu-gcc                      glibc, no symbol newer than GLIBC_2.28
//   linux-arm64   aarch64-linux-gnu-gcc                     (onnxruntime's own floor)
//   win32-x64     x86_64-w64-mingw32-gcc, no C runtime      imports KERNEL32.dll only; Node-API is
//   win32-arm64   clang-14 + lld-link-14 + llvm-dlltool-14  found in the host .exe at load time
//   darwin-arm64  clang-14 + ld64.lld-14, no Apple SDK      ad-hoc signed by ld64.lld
//
// Node-API headers come from the npm package node-api-headers. The Windows and macOS builds have no
// system headers or libraries: native/mmap/stubs holds the few declarations they need.
// Usage: node scripts/build-native.mjs [--only=linux-x64,win32-arm64]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const source = path.join(root, 'native', 'mmap');
const outRoot = path.join(root, 'native', 'prebuilds');
const APT = 'apt-get install -y --no-install-recommends';

// -O3 vectorises project_int8.c's loops; -ffp-contract=off keeps its products and sums separately
// rounded (project_int8.c says why: the logits must be onnxruntime's, bit for bit).
const COMMON = ['-O3', '-ffp-contract=off', '-Wall', '-Wextra', '-DNAPI_VERSION=8', '-DBUILDING_NODE_EXTENSION', '-DNODE_GYP_MODULE_NAME=murmur_mmap'];
const POSIX_SOURCES = ['murmur_mmap.c', 'project_int8.c', 'ort_run.c', 'platform_posix.c'];
const WINDOWS_SOURCES = ['murmur_mmap.c', 'project_int8.c', 'ort_run.c', 'platform_windows.c', 'host_napi_windows.c'];

/** What each build needs: programs on PATH, or (Debian's cross sysroot) a file; and its package. */
const NEEDS = {
  gcc: { program: 'x86_64-linux-gnu-gcc', apt: 'gcc', note: ' (on a machine that is not x86-64: gcc-x86-64-linux-gnu)' },
  aarch64Gcc: { program: 'aarch64-linux-gnu-gcc', apt: 'gcc-aarch64-linux-gnu' },
  aarch64Libc: { file: '/usr/aarch64-linux-gnu/include/sys/mman.h', apt: 'libc6-dev-arm64-cross' },
  mingw: { program: 'x86_64-w64-mingw32-gcc', apt: 'gcc-mingw-w64-x86-64' },
  clang: { program: 'clang-14', apt: 'clang-14' },
  lldLink: { program: 'lld-link-14', apt: 'lld-14' },
  ld64: { program: 'ld64.lld-14', apt: 'lld-14' },
  dlltool: { program: 'llvm-dlltool-14', apt: 'llvm-14' },
};

/** Linux: a shared object exporting only the module's entry points. */
function linux(compiler) {
  return ({ include, out }) => [
    [compiler, [...COMMON, '-fPIC', '-shared', '-fvisibility=hidden', '-D_FILE_OFFSET_BITS=64', `-I${include}`,
      '-Wl,-z,relro,-z,now', '-s', '-o', out, ...POSIX_SOURCES, '-Wl,--no-as-needed', '-l:libdl.so.2']],
  ];
}

const TARGETS = [
  { target: 'linux-x64', needs: ['gcc'], steps: linux(NEEDS.gcc.program) },
  { target: 'linux-arm64', needs: ['aarch64Gcc', 'aarch64Libc'], steps: linux(NEEDS.aarch64Gcc.program) },
  {
    // -nostdlib and entry address 0: a DLL without the C runtime, so without its start-up code.
    target: 'win32-x64',
    needs: ['mingw'],
    steps: ({ include, out }) => [
      [NEEDS.mingw.program, [...COMMON, '-ffreestanding', '-shared', '-nostdlib', '-Wl,-e,0', `-I${include}`, '-s',
        '-o', out, ...WINDOWS_SOURCES, '-lkernel32']],
    ],
  },
  {
    target: 'win32-arm64',
    needs: ['clang', 'lldLink', 'dlltool'],
    steps: ({ include, out, tmp }) => [
      ['llvm-dlltool-14', ['-m', 'arm64', '-d', path.join('stubs', 'kernel32.def'), '-l', path.join(tmp, 'kernel32.lib')]],
      ...WINDOWS_SOURCES.map((c) => ['clang-14', [...COMMON, '--target=aarch64-pc-windows-msvc', '-ffreestanding',
        `-I${include}`, '-c', c, '-o', path.join(tmp, c.replace(/\.c$/, '.obj'))]]),
      ['lld-link-14', ['/dll', '/noentry', '/nodefaultlib', '/machine:arm64', `/out:${out}`,
        `/implib:${path.join(tmp, 'unused.lib')}`, // lld-link 14 has no /noimplib
        ...WINDOWS_SOURCES.map((c) => path.join(tmp, c.replace(/\.c$/, '.obj'))), path.join(tmp, 'kernel32.lib')]],
    ],
  },
  {
    // A bundle (what node-gyp makes on a Mac): libSystem bound two-level through stubs/libSystem.tbd,
    // Node-API left to dynamic lookup in the host. ld64.lld signs arm64 output ad hoc, which Apple
    // silicon requires of every binary it maps.
    target: 'darwin-arm64',
    needs: ['clang', 'ld64'],
    steps: ({ include, out, tmp }) => [
      ...POSIX_SOURCES.map((c) => ['clang-14', [...COMMON, '--target=arm64-apple-macos11', '-ffreestanding',
        '-fvisibility=hidden', '-DMURMUR_NO_SDK_DARWIN', `-I${include}`, '-c', c, '-o', path.join(tmp, c.replace(/\.c$/, '.o'))]]),
      ['ld64.lld-14', ['-arch', 'arm64', '-platform_version', 'macos', '11.0', '11.0', '-bundle', '-undefined',
        'dynamic_lookup', '-dead_strip', '-o', out, ...POSIX_SOURCES.map((c) => path.join(tmp, c.replace(/\.c$/, '.o'))),
        path.join('stubs', 'libSystem.tbd')]],
    ],
  },
];

function fail(message) {
  console.error(`build-native: ${message}`);
  process.exit(1);
}

function onPath(program) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function nodeApiInclude() {
  try {
    return createRequire(import.meta.url)('node-api-headers').include_dir;
  } catch {
    return fail('the npm package node-api-headers is missing: run "npm install" (it is a devDependency)');
  }
}

const only = (process.argv.find((a) => a.startsWith('--only=')) ?? '').slice('--only='.length).split(',').filter(Boolean);
const unknown = only.filter((t) => !TARGETS.some((x) => x.target === t));
if (unknown.length) fail(`unknown target(s) ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.target).join(', ')}`);
const targets = only.length ? TARGETS.filter((t) => only.includes(t.target)) : TARGETS;

// Every missing tool at once, each with the package that provides it.
const missing = new Map();
for (const { target, needs } of targets) {
  for (const need of needs.map((key) => NEEDS[key])) {
    if (need.program ? onPath(need.program) : fs.existsSync(need.file)) continue;
    const tool = need.program ?? need.file;
    if (!missing.has(tool)) missing.set(tool, { apt: need.apt + (need.note ?? ''), targets: [] });
    missing.get(tool).targets.push(target);
  }
}
for (const [tool, { apt, targets: forTargets }] of missing) {
  console.error(`build-native: missing ${tool} (for ${forTargets.join(', ')}): ${APT} ${apt}`);
}
if (missing.size) fail('cannot build; install the packages above (scripts/setup.sh installs them all)');

const include = nodeApiInclude();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-native-'));
try {
  for (const { target, steps } of targets) {
    const dir = path.join(outRoot, target);
    const final = path.join(dir, 'murmur_mmap.node');
    // Built beside the final name and renamed over it: a failed build never leaves half a file
    // where scripts/package.mjs or the tests would take it for a good one.
    const out = path.join(tmp, `${target}.node`);
    const work = fs.mkdtempSync(path.join(tmp, `${target}-`));
    for (const [command, args] of steps({ include, out, tmp: work })) {
      const r = spawnSync(command, args, { cwd: source, stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${target}: ${command} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(out, `${final}.tmp`);
    fs.renameSync(`${final}.tmp`, final);
    const size = fs.statSync(final).size;
    console.log(`${path.relative(root, final)}  ${size} bytes (${(size / 1024).toFixed(1)} KiB)`);
  }
} catch (e) {
  console.error(`build-native: ${e.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
