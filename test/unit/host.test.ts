/**
 * Where Murmur runs decides what a microphone error says (src/extension/host.ts).
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { describeHost, microphoneHint } from '../../src/extension/host';

describe('where Murmur runs', () => {
  test('on the user\'s own computer a microphone error needs no explanation of where', () => {
    assert.equal(microphoneHint({ remoteName: undefined, webUi: false, runsOnRemote: false }), '');
    // A desktop window connected to SSH: Murmur (extensionKind ui first) runs locally.
    assert.equal(microphoneHint({ remoteName: 'ssh-remote', webUi: false, runsOnRemote: false }), '');
    assert.match(describeHost({ remoteName: 'ssh-remote', webUi: false, runsOnRemote: false }), /runs on this computer.*ssh-remote/);
  });

  test('in a browser window it says the microphone is the server\'s, and what to use instead', () => {
    const hint = microphoneHint({ remoteName: 'box:8080', webUi: true, runsOnRemote: true });
    assert.match(hint, /browser window/);
    assert.match(hint, /server \(box:8080\)/);
    assert.match(hint, /VS Code Desktop/);
    assert.match(describeHost({ remoteName: 'box:8080', webUi: true, runsOnRemote: true }), /runs on box:8080 \(browser window\)/);
  });

  test('installed on a remote only (desktop window), it says how to run it locally', () => {
    const hint = microphoneHint({ remoteName: 'wsl', webUi: false, runsOnRemote: true });
    assert.match(hint, /running on wsl/);
    assert.match(hint, /Install Locally/);
  });
});
