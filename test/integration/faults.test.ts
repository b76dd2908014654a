/// <reference types="mocha" />
/**
 * Faults in a real VS Code: the sidecar is killed with SIGKILL at random points of 100 dictations
 * (while the model loads, while speech is being recognised, while the last phrase is decoded
 * after Stop), and the recorder is killed mid-session. After every fault the document holds
 * exactly the phrases whose final reached the extension, each once, and dictation works again.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MurmurApi } from '../../src/extension/main';
import { activate, AMIABLE, children, commits, DEVICE, GOFORWARD, newEditor, setting, sleep, speak, until } from './helpers';
// Deterministic, so a failing run can be replayed (the seed is printed).
import { mulberry32 as prng } from '../helpers/random';

const DICTATIONS = Number(process.env.MURMUR_FAULT_DICTATIONS ?? 100);

describe('faults in a real VS Code: nothing typed is lost or doubled', function () {
  this.timeout(30 * 60_000);
  let api: MurmurApi;

  before(async () => {
    api = await activate();
    await setting('microphone.device', DEVICE);
    await setting('model.path', '');
  });

  afterEach(async () => {
    if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  async function killSidecar(): Promise<number> {
    const pid = api.murmur.sidecarPid;
    assert.ok(pid, 'a running sidecar to kill');
    const restarts = api.murmur.stats.restarts;
    process.kill(pid, 'SIGKILL');
    await until('the crash to be noticed', () => api.murmur.stats.restarts > restarts && !api.murmur.dictating, 30_000);
    return pid;
  }

  it(`SIGKILL at random points of ${DICTATIONS} dictations: the document is exactly the finals that arrived`, async () => {
    const seed = Number(process.env.MURMUR_FAULT_SEED ?? Date.now() % 100_000);
    console.log(`    seed ${seed} (MURMUR_FAULT_SEED replays it)`);
    const random = prng(seed);
    const editor = await newEditor();
    const committed: string[] = [];
    // Where each phrase went, with its session: a mismatch says which phrase landed elsewhere.
    const landed: string[] = [];
    const sub = api.murmur.onDidCommit((c) => {
      committed.push(c.text);
      landed.push(`${c.event.session}.${c.event.utterance} -> ${c.where}`);
    });
    const hit = { load: 0, speech: 0, final: 0, missed: 0 };
    try {
      for (let i = 0; i < DICTATIONS; i++) {
        const phase = (['load', 'speech', 'final'] as const)[Math.floor(random() * 3)];
        speak(random() < 0.5 ? [GOFORWARD(), AMIABLE()] : [AMIABLE()], 1 + random());
        if (phase === 'load' && !api.murmur.modelLoading && api.murmur.sidecarPid !== undefined) await killSidecar(); // the next start loads afresh
        let started = false;
        const starting = Promise.resolve(vscode.commands.executeCommand('murmur.startDictation')).finally(() => (started = true));
        if (phase === 'load') {
          await until('the model load to begin', () => (api.murmur.sidecarPid !== undefined && api.murmur.modelLoading) || started, 30_000);
          await sleep(random() * 250);
          if (api.murmur.modelLoading) hit.load++;
          else hit.missed++;
        } else {
          await starting;
          // Up to 4 s: sometimes before the first final, sometimes after one or two were typed.
          await sleep(random() * 4000);
          if (phase === 'final') {
            void vscode.commands.executeCommand('murmur.stopDictation');
            await sleep(random() * 120);
          }
          if (api.murmur.dictating) hit[phase]++;
          else hit.missed++;
        }
        if (api.murmur.sidecarPid === undefined) await until('the sidecar', () => api.murmur.sidecarPid !== undefined, 30_000);
        await killSidecar();
        await starting.then(
          () => undefined,
          () => undefined,
        );
        // What arrived is in the document, in order, once; nothing provisional is left behind.
        assert.equal(editor.document.getText(), committed.join(''), `after fault ${i + 1} (${phase}, seed ${seed}); last phrases: ${landed.slice(-3).join(', ')}`);
      }
      console.log(`    killed while loading ${hit.load}, during speech ${hit.speech}, during the final decode ${hit.final}; ${hit.missed} after the dictation had already ended`);
      console.log(`    ${committed.length} phrases committed across the faults, ${api.murmur.stats.restarts} restarts`);
      if (DICTATIONS >= 30) {
        assert.ok(hit.load > 0 && hit.speech > 0 && hit.final > 0, `every kind of fault happened: ${JSON.stringify(hit)}`);
        assert.ok(committed.length >= 10, `finals arrived between the faults, so the check had text to check: ${committed.length}`);
      }
      // Dictation works again, at the cursor, after all of that.
      const before = editor.document.getText();
      speak([GOFORWARD()]);
      const again = commits(api, 1, 120_000);
      await vscode.commands.executeCommand('murmur.startDictation');
      const [text] = await again;
      await vscode.commands.executeCommand('murmur.stopDictation');
      assert.match(text, /go forward ten meters/i);
      assert.equal(editor.document.getText(), before + committed[committed.length - 1]);
      assert.equal(editor.document.getText(), committed.join(''));
    } finally {
      sub.dispose();
    }
  });

  it('the recorder dying mid-session is a clear error and a clean state; dictation works again', async () => {
    const editor = await newEditor();
    speak([GOFORWARD(), AMIABLE()], 2);
    const first = commits(api, 1, 120_000);
    await vscode.commands.executeCommand('murmur.startDictation');
    await first;
    const sidecar = api.murmur.sidecarPid;
    assert.ok(sidecar);
    const recorders = children(sidecar, 'arecord');
    assert.equal(recorders.length, 1, `one arecord under the sidecar: ${recorders.join(', ')}`);
    const kept = editor.document.getText();
    process.kill(recorders[0], 'SIGKILL');
    await until('the dictation to end', () => !api.murmur.dictating, 30_000);
    assert.equal(api.murmur.stats.lastError?.code, 'MIC_DEVICE_ERROR');
    assert.match(api.murmur.stats.lastError?.message ?? '', /recorder stopped unexpectedly \(killed by SIGKILL\)/);
    assert.ok(editor.document.getText().startsWith(kept), 'committed text kept');
    assert.deepEqual(children(sidecar, 'arecord'), [], 'no recorder left behind');
    assert.equal(api.murmur.sidecarPid, sidecar, 'the sidecar itself carries on');
    // Clean state: the next dictation starts and types.
    speak([AMIABLE()]);
    const again = commits(api, 1, 120_000);
    await vscode.commands.executeCommand('murmur.startDictation');
    await again;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.match(editor.document.getText(), /He might even have been made amiable himself\.?$/);
  });
});
