/**
 * Dictation started while the model is still loading (a cold start): the sidecar starts the source
 * at once and its audio waits for the model, so nothing said during the load is lost; if the load
 * fails, the dictation ends with 'error' and the failure is reported once, by the load.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROTOCOL_VERSION } from '../../src/protocol';
import { MOONSHINE_DIR, referenceOutputs, sharedPath } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';

const CLIP = 'sense_and_sensibility_01_austen_64kb-0930.wav';
const REFERENCE = path.join(MOONSHINE_DIR, 'reference-output.onnxruntime-node-1.30.txt');

describe('dictation during a model load', () => {
  const cache = tempCacheDir();
  const clients: SidecarClient[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    cache.remove();
  });

  async function fresh(): Promise<SidecarClient> {
    const c = new SidecarClient();
    clients.push(c);
    await c.call('hello', { version: PROTOCOL_VERSION });
    return c;
  }

  test('is accepted at once; the audio waits for the model and gives the clip transcript', async () => {
    const client = await fresh();
    const from = client.messages.length;
    // An empty ORT cache: this load converts the model first (seconds), a long window to start in.
    const load = client.call('loadModel', { location: { dir: sharedPath(MOONSHINE_DIR) }, threads: 1, cacheDir: cache.dir }, 300_000);
    const started = await client.call('startDictation', { source: { kind: 'file', path: sharedPath('audio/pocketsphinx-testdata', CLIP), realtime: false } });
    const loadedAt = () => client.messages.findIndex((m, i) => i >= from && m.type === 'modelLoaded');
    assert.equal(loadedAt(), -1, 'the dictation started before the model had loaded');
    const info = await load;
    assert.equal(info.family, 'moonshine');
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === started.session, 120_000, from);
    assert.equal(ended.reason, 'end-of-file');
    const finals = client.events('final', from).filter((e) => e.session === started.session);
    assert.equal(finals.map((f) => f.text).join(' '), referenceOutputs(REFERENCE).get(CLIP));
    assert.deepEqual(client.events('error', from), [], 'no error events');
  });

  test('ends with "error" when the load fails, and the failure is reported once (by loadModel)', async () => {
    // A model that passes every file check but that onnxruntime rejects: one operator renamed.
    const dir = fs.mkdtempSync(path.join(cache.dir, 'broken-'));
    const src = sharedPath(MOONSHINE_DIR);
    const encoder = fs.readFileSync(path.join(src, 'encoder_model.onnx'));
    const at = encoder.indexOf('MatMulInteger');
    assert.ok(at > 0);
    encoder.write('MatMulIntegeX', at, 'latin1');
    fs.writeFileSync(path.join(dir, 'encoder_model.onnx'), encoder);
    fs.copyFileSync(path.join(src, 'decoder_model_merged.onnx'), path.join(dir, 'decoder_model_merged.onnx'));

    const client = await fresh();
    const from = client.messages.length;
    // Its own empty cache: the (good) decoder's conversion keeps the load going for seconds after
    // the encoder has failed, so the dictation surely starts before the load ends.
    const brokenCache = fs.mkdtempSync(path.join(cache.dir, 'cache-'));
    const load = client.callError('loadModel', { location: { dir }, threads: 1, cacheDir: brokenCache }, 300_000);
    const started = await client.call('startDictation', { source: { kind: 'file', path: sharedPath('audio/pocketsphinx-testdata', CLIP), realtime: false } });
    const error = await load;
    assert.equal(error.code, 'MODEL_LOAD_FAILED');
    assert.match(error.message, /encoder_model/);
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === started.session, 60_000, from);
    assert.equal(ended.reason, 'error');
    assert.deepEqual(client.events('final', from), []);
    assert.deepEqual(client.events('error', from), [], 'the load failure is not repeated as an error event');
    // The sidecar is fine: a good model loads and dictates afterwards.
    await client.call('loadModel', { location: { dir: sharedPath(MOONSHINE_DIR) }, threads: 1, cacheDir: cache.dir }, 300_000);
    const again = await client.call('startDictation', { source: { kind: 'file', path: sharedPath('audio/pocketsphinx-testdata', CLIP), realtime: false } });
    const end2 = await client.waitForEvent('dictationEnded', (e) => e.session === again.session, 60_000, from);
    assert.equal(end2.reason, 'end-of-file');
  });
});
