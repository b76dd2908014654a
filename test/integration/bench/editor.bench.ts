/// <reference types="mocha" />
/**
 * `npm run bench:vscode`: the extension's own figures, measured in a real VS Code with the real
 * sidecar and the embedded model. Prints them; asserts nothing about speed (it is a benchmark).
 *   - activation time of the extension;
 *   - "Start Dictation" -> listening, cold (sidecar spawned, model mapped from the ORT cache while
 *     the recorder already runs) and warm;
 *   - a final leaving the sidecar -> the phrase in the document.
 * npm run bench:vscode paces the test microphone in real time (--realtime-mic), as a microphone
 * delivers audio; without it (stress) the unpaced ALSA file device keeps both cores busy.
 */
import * as vscode from 'vscode';
import { activate, commits, DEVICE, GOFORWARD, newEditor, setting, speak } from '../helpers';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('benchmark: the extension in a real VS Code', function () {
  this.timeout(600_000);
  it('measures activation, start-to-listening and final-to-editor', async () => {
    const api = await activate();
    await setting('microphone.device', DEVICE);
    await setting('model.path', '');
    const stats = api.murmur.stats;
    stats.startToListeningMs.length = 0;
    stats.finalToEditorMs.length = 0;
    // Cold start: stop the sidecar so the next Start Dictation spawns it and maps the model.
    await api.murmur.stopSidecarForBenchmark();
    let coldParts = '';
    for (let i = 0; i < 11; i++) {
      speak([GOFORWARD()]);
      await newEditor();
      const done = commits(api, 1);
      await vscode.commands.executeCommand('murmur.startDictation');
      await done;
      if (i === 0) coldParts = `sidecar spawn + handshake ${stats.spawnMs?.toFixed(0)} ms, then the recorder starts while the model loads (load ${stats.modelLoadMs?.toFixed(0)} ms)`;
      await vscode.commands.executeCommand('murmur.stopDictation');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
    const [cold, ...warm] = stats.startToListeningMs;
    console.log(`BENCH activation ms: ${api.activationMs.toFixed(1)} (extension host CPU meanwhile ${api.activationCpuMs.toFixed(1)} ms)`);
    console.log(`BENCH start -> listening ms: cold ${cold.toFixed(0)}, warm median ${median(warm).toFixed(0)} (n=${warm.length}); cold: ${coldParts}`);
    const mic = process.env.MURMUR_REALTIME_MIC === '1' ? 'microphone paced in real time' : 'unpaced test microphone (stress)';
    const finals = stats.finalToEditorMs;
    console.log(`BENCH final sent -> in the editor ms (${mic}): median ${median(finals).toFixed(1)}, max ${Math.max(...finals).toFixed(1)} (n=${finals.length}: ${finals.map((x) => x.toFixed(0)).join(' ')})`);
  });
});
