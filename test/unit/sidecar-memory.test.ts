/**
 * Memory mapping proven on real processes: two concurrent sidecars load the same model; the
 * memory-mapped ORT files show up in /proc/<pid>/smaps of both as shared pages (the weights
 * exist once in the page cache), while a by-path load (ONNX protobuf) leaves no such mapping.
 */
import { describe, test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { defaultModelDir } from '../../src/engine/paths';
import { SidecarClient } from '../helpers/sidecar-client';
import { sharedPath } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

interface Mapping {
  file: string;
  rss: number;
  pss: number;
  /** Shared_Clean + Shared_Dirty: page-cache pages of a just-written file count as dirty until written back. */
  shared: number;
  privateClean: number;
  privateDirty: number;
}

/** The file-backed mappings of `suffix` files in /proc/<pid>/smaps, in kB. */
function mappings(pid: number, suffix: string): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s+(.*)$/.exec(line);
    if (head) {
      cur = head[1].endsWith(suffix) ? { file: head[1], rss: 0, pss: 0, shared: 0, privateClean: 0, privateDirty: 0 } : undefined;
      if (cur) out.push(cur);
      continue;
    }
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (!cur || !m) continue;
    const v = Number(m[2]);
    if (m[1] === 'Rss') cur.rss += v;
    else if (m[1] === 'Pss') cur.pss += v;
    else if (m[1] === 'Shared_Clean' || m[1] === 'Shared_Dirty') cur.shared += v;
    else if (m[1] === 'Private_Clean') cur.privateClean += v;
    else if (m[1] === 'Private_Dirty') cur.privateDirty += v;
  }
  return out;
}

const CLIP = 'audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0930.wav';
const sum = (ms: Mapping[], k: keyof Omit<Mapping, 'file'>) => ms.reduce((s, m) => s + m[k], 0);

describe('two sidecars share the model weights through mmap', () => {
  const cache = tempCacheDir();
  const clients: SidecarClient[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    cache.remove();
  });

  async function sidecarWithModel(noCache = false): Promise<SidecarClient> {
    const c = new SidecarClient({ env: { ...process.env, MURMUR_CACHE_DIR: cache.dir, ...(noCache ? { MURMUR_NO_ORT_CACHE: '1' } : {}) } });
    clients.push(c);
    await c.call('hello', { version: '1.0' });
    const info = await c.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir: cache.dir }, 300_000);
    assert.equal(info.family, 'moonshine');
    // Decode a clip, so every weight the model uses has been touched (weights are used in place
    // and paged in on first use) and the background warm-up is over.
    const from = c.messages.length;
    const { session } = await c.call('startDictation', { source: { kind: 'file', path: sharedPath(CLIP), realtime: false } });
    await c.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, from);
    return c;
  }

  test('the ORT files are mapped once in the page cache and shared by both processes', async () => {
    const a = await sidecarWithModel();
    const b = await sidecarWithModel();
    const ma = mappings(a.child.pid as number, '.ort');
    const mb = mappings(b.child.pid as number, '.ort');
    const ortBytes = fs.readdirSync(cache.dir).filter((f) => f.endsWith('.ort')).reduce((s, f) => s + fs.statSync(`${cache.dir}/${f}`).size, 0);
    console.log(`  ORT files in the cache: ${(ortBytes / 1e6).toFixed(1)} MB`);
    for (const [name, ms] of [['A', ma], ['B', mb]] as const) {
      console.log(
        `  sidecar ${name}: ${ms.length} .ort mappings, Rss ${sum(ms, 'rss')} kB, Pss ${sum(ms, 'pss')} kB, Shared ${sum(ms, 'shared')} kB, Private ${sum(ms, 'privateClean') + sum(ms, 'privateDirty')} kB`,
      );
    }
    // Encoder, decoder and Silero VAD, each mapped (not read) by both processes.
    assert.ok(ma.length >= 3 && mb.length >= 3, `expected the .ort files to be mapped in both: ${ma.length}, ${mb.length}`);
    // Every page the second sidecar has of the model is shared (with the first), none private;
    // the first may have touched a few more pages (its warm-up decode may have finished first).
    assert.ok(sum(mb, 'shared') >= 0.9 * sum(mb, 'rss'), `B: shared ${sum(mb, 'shared')} of ${sum(mb, 'rss')} kB`);
    assert.ok(sum(mb, 'privateClean') + sum(mb, 'privateDirty') <= 0.1 * sum(mb, 'rss'), 'B: model pages are not private');
    assert.ok(sum(ma, 'shared') >= 0.9 * sum(mb, 'rss'), `A shares ${sum(ma, 'shared')} kB of the ${sum(mb, 'rss')} kB B uses`);
    // Proportional share: each process is charged about half of the pages both have.
    assert.ok(sum(mb, 'pss') <= 0.6 * sum(mb, 'rss'), `B: Pss ${sum(mb, 'pss')} vs Rss ${sum(mb, 'rss')}`);
    // The weights are really in use: most of the model is resident in both.
    assert.ok(sum(mb, 'rss') * 1024 >= 0.5 * ortBytes, `resident ${sum(mb, 'rss')} kB of ${ortBytes} bytes`);
  });

  test('two sidecars starting together on an empty cache convert each model once, and both transcribe', async () => {
    // As when two VS Code windows start dictating at the same moment on a fresh machine.
    const fresh = tempCacheDir();
    const pair = [0, 1].map(() => new SidecarClient({ env: { ...process.env, MURMUR_CACHE_DIR: fresh.dir } }));
    clients.push(...pair);
    try {
      await Promise.all(pair.map((c) => c.call('hello', { version: '1.0' })));
      const infos = await Promise.all(pair.map((c) => c.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir: fresh.dir }, 300_000)));
      for (const info of infos) assert.equal(info.family, 'moonshine');
      const texts = await Promise.all(
        pair.map(async (c) => {
          const from = c.messages.length;
          const { session } = await c.call('startDictation', { source: { kind: 'file', path: sharedPath('audio/pocketsphinx-testdata/goforward.wav'), realtime: false } });
          await c.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, from);
          return c.messages
            .slice(from)
            .flatMap((m) => ('type' in m && m.type === 'final' ? [m.text] : []))
            .join(' ');
        }),
      );
      for (const t of texts) assert.match(t, /go forward ten meters/i);
      const conversions = pair.flatMap((c) => c.messages.flatMap((m) => ('type' in m && m.type === 'log' && /^converted (\S+) to ORT format/.test(m.message) ? [m.message.split(' ')[1]] : [])));
      const files = fs.readdirSync(fresh.dir);
      const ort = files.filter((f) => f.endsWith('.ort'));
      console.log(`  conversions: ${conversions.join(', ')}; cache: ${files.join(', ')}`);
      // Each model file converted by exactly one of the two, one ORT file each, no lock or temp file left.
      assert.equal(new Set(conversions).size, conversions.length, `a model was converted twice: ${conversions.join(', ')}`);
      assert.equal(conversions.length, ort.length, 'every ORT file was written by exactly one conversion');
      assert.ok(ort.length >= 3, `encoder, decoder and VAD in the cache: ${ort.join(', ')}`);
      assert.deepEqual(files.filter((f) => /\.(lock|tmp)$|\.tmp\./.test(f)), []);
    } finally {
      fresh.remove();
    }
  });

  test('loading by path (no ORT cache) maps no model file: weights are private copies', async () => {
    const c = await sidecarWithModel(true);
    assert.equal(mappings(c.child.pid as number, '.ort').length, 0);
    assert.equal(mappings(c.child.pid as number, '.onnx').length, 0, 'onnxruntime reads ONNX protobuf files into memory');
  });
});
