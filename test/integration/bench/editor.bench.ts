/// <reference types="mocha" />
/**
 * `npm run bench:vscode`: the extension's own figures, measured in a real VS Code with the real
 * sidecar and the embedded model. Prints them; asserts nothing about speed (it is a benchmark).
 *   - activation time of the extension;
 *   - "Start Dictation" -> listening, cold (sidecar spawned, model mapped from the ORT cache while
 *     the recorder already runs) and warm;
 *   - a final leaving the sidecar -> the phrase in the document.
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
    for (let i = 0; i < 6; i++) {
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
    console.log(`BENCH activation ms: ${api.activationMs.toFixed(1)}`);
    console.log(`BENCH start -> listening ms: cold ${cold.toFixed(0)}, warm median ${median(warm).toFixed(0)} (n=${warm.length}); cold: ${coldParts}`);
    console.log(`BENCH final -> in the editor ms: median ${median(stats.finalToEditorMs).toFixed(1)}, max ${Math.max(...stats.finalToEditorMs).toFixed(1)} (n=${stats.finalToEditorMs.length})`);
  });
});
