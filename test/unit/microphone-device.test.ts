/**
 * Security finding "a microphone device name runs a command": murmur.microphone.device (which a
 * repository's .vscode/settings.json can set) reached `arecord -D` unchanged, and ALSA PCM names
 * can define a plugin inline whose "file" is a shell command (`file:FILE=|touch /tmp/x`).
 *
 * 1. The decision (device-name.ts) for both recorders: ALSA names must be `default`, a plain
 *    hardware name or a listed one, and pass a strict character grammar; SoX names are free text
 *    without a leading | or -, control characters or URLs. `arecord -L` is consulted only when needed.
 * 2. The attack for real: the real sidecar is sent startDictation with hostile names, each trying
 *    to `touch` a marker file. arecord is the real one, behind a wrapper on PATH that logs every
 *    invocation before exec'ing it, so even a recorder that ran for a millisecond is seen.
 *    Nothing may be created, nothing spawned with -D, and the answer is MIC_DEVICE_REFUSED.
 * 3. The legitimate path still works: the test device (listed by `arecord -L` through its hint)
 *    dictates; an unlisted harmless name is refused with the actionable message; `default` and
 *    hardware names reach arecord without a listing.
 *
 * Needs alsa-utils (apt-get install -y alsa-utils): fails, never skips, without it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decideDevice, deviceRefusedError, type DeviceVerdict } from '../../src/sidecar/device-name';
import type { Recorder } from '../../src/sidecar/devices';
import { alsaFileDevice, requireArecord, type AlsaFileDevice } from '../helpers/alsa-file';
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';
import { waitUntil } from '../helpers/wait';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';

/** What `arecord -L` "lists" in the decision tests; the last two are listed but malformed. */
const LISTED = ['null', 'default', 'murmurtest', 'pulse', 'bluealsa:DEV=00:11:22:33:44:55,PROFILE=sco', 'evil|touch', 'my mic'];

type Expect = Extract<DeviceVerdict, { ok: true }> | { ok: false; problem: RegExp };
/** The refusal of a well-formed ALSA name that is not listed: the only one that needs `arecord -L`. */
const UNLISTED = /not a device `arecord -L` lists/;

const ALSA_CASES: [string, Expect][] = [
  ['default', { ok: true, how: 'default' }],
  ['hw:0', { ok: true, how: 'hardware' }],
  ['hw:1,0', { ok: true, how: 'hardware' }],
  ['plughw:1,0', { ok: true, how: 'hardware' }],
  ['hw:CARD=PCH,DEV=0', { ok: true, how: 'hardware' }],
  ['plughw:CARD=USB_Audio,DEV=1', { ok: true, how: 'hardware' }],
  ['sysdefault:CARD=PCH', { ok: true, how: 'hardware' }],
  ['dsnoop:CARD=Intel-HDA,DEV=0', { ok: true, how: 'hardware' }],
  ['front:CARD=PCH,DEV=0', { ok: true, how: 'hardware' }],
  ['murmurtest', { ok: true, how: 'listed' }],
  ['null', { ok: true, how: 'listed' }],
  ['bluealsa:DEV=00:11:22:33:44:55,PROFILE=sco', { ok: true, how: 'listed' }],
  ['file:FILE=|touch /tmp/x', { ok: false, problem: /contains a pipe \(\|\)/ }],
  ["file:'|touch /tmp/x'", { ok: false, problem: /contains a quote \('\)/ }],
  ['file:"|touch /tmp/x",raw', { ok: false, problem: /contains a quote \("\)/ }],
  ['{type file file "|cmd" slave.pcm null}', { ok: false, problem: /contains a brace \(\{\)/ }],
  ['plug:{SLAVE=x}', { ok: false, problem: /contains a brace/ }],
  ['$(touch x)', { ok: false, problem: /contains a dollar sign/ }],
  ['/dev/snd/pcmC0D0c', { ok: false, problem: /contains a slash/ }],
  ['hw:0,0 ', { ok: false, problem: /contains whitespace/ }],
  ['hw:0,0\n', { ok: false, problem: /control character \(U\+000A\)/ }],
  ['hw:0;x', { ok: false, problem: /contains ";"/ }],
  ['evil|touch', { ok: false, problem: /contains a pipe/ }], // listed, still refused
  ['my mic', { ok: false, problem: /contains whitespace/ }], // listed, still refused
  ['file:FILE=out.raw', { ok: false, problem: UNLISTED }], // inline plugin in safe characters
  ['plug:murmurtest', { ok: false, problem: UNLISTED }],
  ['murmurtest2', { ok: false, problem: UNLISTED }],
  ['hw:0,0,0', { ok: false, problem: UNLISTED }],
  ['', { ok: false, problem: /it is empty/ }],
  ['h'.repeat(257), { ok: false, problem: /257 characters long \(at most 256\)/ }],
];

const SOX_CASES: [string, Expect][] = [
  ['default', { ok: true, how: 'default' }],
  ['Microphone (Realtek(R) Audio)', { ok: true, how: 'free-text' }],
  ['MacBook Pro Microphone', { ok: true, how: 'free-text' }],
  ['Mikrofon (2- USB Audio Device)', { ok: true, how: 'free-text' }],
  ['Line In | Rear', { ok: true, how: 'free-text' }],
  ['"Studio" mic $1 {left}', { ok: true, how: 'free-text' }],
  ['m'.repeat(256), { ok: true, how: 'free-text' }],
  ['|touch /tmp/x', { ok: false, problem: /starts with "\|", and SoX runs such a name as a command/ }],
  ['  |touch /tmp/x', { ok: false, problem: /starts with "\|"/ }],
  ['-V', { ok: false, problem: /starts with "-", and SoX would read it as an option/ }],
  ['--help', { ok: false, problem: /starts with "-"/ }],
  ['http://example.invalid/a";touch /tmp/x;"', { ok: false, problem: /it is a URL/ }],
  ['FTP:x', { ok: false, problem: /it is a URL/ }],
  ['Mic\nrm', { ok: false, problem: /control character \(U\+000A\)/ }],
  ['Mic\u0007', { ok: false, problem: /control character \(U\+0007\)/ }],
  ['Mic\u2028', { ok: false, problem: /control character \(U\+2028\)/ }],
  ['m'.repeat(257), { ok: false, problem: /257 characters long/ }],
  ['   ', { ok: false, problem: /it is empty/ }],
];

describe('device names: the decision', () => {
  const cases: [Recorder, string, Expect][] = [
    ...ALSA_CASES.map(([n, e]): [Recorder, string, Expect] => ['arecord', n, e]),
    ...(['rec', 'sox'] as const).flatMap((r) => SOX_CASES.map(([n, e]): [Recorder, string, Expect] => [r, n, e])),
  ];
  for (const [recorder, name, expected] of cases) {
    test(`${recorder}: ${JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name)} is ${expected.ok ? `accepted (${expected.how})` : 'refused'}`, async () => {
      let listings = 0;
      const verdict = await decideDevice(recorder, name, () => {
        listings++;
        return Promise.resolve(LISTED);
      });
      if (expected.ok) assert.deepEqual(verdict, { ok: true, how: expected.how });
      else {
        assert.equal(verdict.ok, false, `refused: ${JSON.stringify(verdict)}`);
        assert.match(verdict.ok ? '' : verdict.problem, expected.problem);
      }
      // Cheap: only an ALSA name past the grammar that is neither default nor hardware needs the list.
      const needed = recorder === 'arecord' && (expected.ok ? expected.how === 'listed' : expected.problem === UNLISTED);
      assert.equal(listings, needed ? 1 : 0, 'arecord -L consulted only when needed');
    });
  }

  test('the refusal says what to do and what is not allowed, with the name escaped', () => {
    const alsa = deviceRefusedError('arecord', 'x\u001b[31m|y', 'it contains a pipe (|).');
    assert.equal(alsa.code, 'MIC_DEVICE_REFUSED');
    assert.ok(alsa.message.includes('"x\\u001b[31m|y"'), `escaped: ${alsa.message}`);
    assert.ok(alsa.message.includes('Murmur: Select Microphone...'), alsa.message);
    assert.ok(alsa.message.includes('`arecord -L`'), alsa.message);
    assert.match(alsa.message, /only letters, digits and _ \. , : = - \(no quotes, pipes, braces, \$, \/, spaces, control characters or inline plugin definitions\)/);
    const sox = deviceRefusedError('sox', '|x', 'it starts with "|".');
    assert.ok(sox.message.includes('Murmur: Select Microphone...'), sox.message);
    assert.match(sox.message, /Not allowed: a leading \| or -, control characters/);
    assert.ok(deviceRefusedError('arecord', 'z'.repeat(1000), 'long.').message.length < 700, 'a long name is cut short');
  });
});

describe('hostile device names through the real sidecar and arecord', () => {
  const cache = tempCacheDir();
  const work = tempCacheDir('murmur-mic-device-');
  const markers = path.join(work.dir, 'markers');
  /** Every arecord invocation, one line of arguments each (written by the wrapper before exec). */
  const invocations = path.join(work.dir, 'arecord-invocations.log');
  let alsa: AlsaFileDevice;
  let client: SidecarClient;

  const logged = (): string[] => (fs.existsSync(invocations) ? fs.readFileSync(invocations, 'utf8').split('\n').filter(Boolean) : []);
  const recorders = (from: number): string[] => logged().slice(from).filter((l) => / -D /.test(` ${l}`));
  const listings = (from: number): string[] => logged().slice(from).filter((l) => l.trim() === '-L');

  before(async () => {
    requireArecord();
    fs.mkdirSync(markers);
    // The real arecord, found on PATH behind a logging wrapper (exec keeps the pid and the name).
    const real = execFileSync('sh', ['-c', 'command -v arecord'], { encoding: 'utf8' }).trim();
    const bin = path.join(work.dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'arecord'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(invocations)}\nexec ${JSON.stringify(real)} "$@"\n`, { mode: 0o755 });
    alsa = alsaFileDevice(sharedPath(GOFORWARD));
    client = new SidecarClient({ env: { ...alsa.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
    await client.call('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1, cacheDir: cache.dir }, 120_000);
  });
  after(async () => {
    await client?.close();
    alsa?.remove();
    work.remove();
    cache.remove();
  });

  /** Each tries to create markers/<i>; all but the bare brace form did on the old code. */
  const attacks = (dir: string): [string, RegExp][] => [
    [`file:FILE=|touch ${dir}/0`, /contains a pipe \(\|\)/],
    [`file:'|touch ${dir}/1'`, /contains a quote \('\)/],
    [`file:"|touch ${dir}/2",raw`, /contains a quote \("\)/],
    [`file:{FILE="|touch ${dir}/3"}`, /contains a brace \(\{\)/],
    [`plug:{SLAVE="file:FILE=|touch ${dir}/4"}`, /contains a brace \(\{\)/],
    [`plug:'file:FILE=|touch ${dir}/5'`, /contains a quote \('\)/],
    [`file:FILE=|touch\${IFS}${dir}/6`, /contains a pipe \(\|\)/],
    [`{type file slave.pcm null file "|touch ${dir}/7"}`, /contains a brace \(\{\)/],
  ];

  for (let i = 0; i < 8; i++) {
    test(`hostile name ${i} is refused before anything runs`, async () => {
      const [device, problem] = attacks(markers)[i];
      const marker = path.join(markers, String(i));
      const from = logged().length;
      const start = client.messages.length;
      const r = await client.request('startDictation', { source: { kind: 'microphone', device } });
      // Clean up first (the old code started these), so one failure does not cascade.
      if (r.ok) await client.call('cancelDictation', {});
      // A command the recorder started may still be on its way: give it time to show up.
      await waitUntil(() => fs.existsSync(marker), 1000);
      assert.ok(!fs.existsSync(marker), `the device name ran a command: ${marker} was created by ${JSON.stringify(device)}`);
      assert.deepEqual(recorders(from), [], 'no arecord was spawned to record');
      assert.deepEqual(arecordChildren(client.child.pid ?? -1), [], 'no arecord child of the sidecar');
      assert.ok(!r.ok, `startDictation was accepted for ${JSON.stringify(device)}`);
      assert.equal(r.error.code, 'MIC_DEVICE_REFUSED');
      assert.match(r.error.message, problem);
      assert.ok(r.error.message.includes(JSON.stringify(device)), `names the device: ${r.error.message}`);
      assert.ok(r.error.message.includes('Murmur: Select Microphone...'), r.error.message);
      assert.ok(r.error.message.includes('`arecord -L`'), r.error.message);
      assert.deepEqual(listings(from), [], 'a name with forbidden characters is refused without listing devices');
      assert.deepEqual(client.events('state', start).map((e) => e.state), [], 'the state never left ready');
      assert.deepEqual(client.invalid, []);
    });
  }

  test('the listed test device still dictates', async () => {
    const from = logged().length;
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device } });
    const final = await client.waitForEvent('final', (e) => e.session === session, 60_000, start);
    assert.equal(final.text, 'GO FORWARD TEN METERS');
    assert.deepEqual(await client.call('stopDictation', {}), { session });
    assert.deepEqual(listings(from).length, 1, 'arecord -L was asked whether the device exists');
    assert.equal(recorders(from).length, 1);
    assert.match(recorders(from)[0], / -D murmurtest$/);
    assert.ok(await waitUntil(() => arecordChildren(client.child.pid ?? -1).length === 0, 5000), 'the recorder stopped with the dictation');
  });

  test('an unlisted harmless name is refused with the actionable message', async () => {
    const from = logged().length;
    const error = await client.callError('startDictation', { source: { kind: 'microphone', device: 'murmur-no-such-device' } });
    assert.equal(error.code, 'MIC_DEVICE_REFUSED');
    assert.ok(error.message.startsWith('Murmur will not record from the microphone device "murmur-no-such-device": it is not a device `arecord -L` lists'), error.message);
    assert.ok(error.message.includes('Pick a device with "Murmur: Select Microphone..." (or one that `arecord -L` lists) and set murmur.microphone.device to it.'), error.message);
    assert.equal(listings(from).length, 1, 'the list was consulted');
    assert.deepEqual(recorders(from), [], 'no recorder was spawned');
    assert.equal((await client.callError('startDictation', { source: { kind: 'microphone', device: 'x'.repeat(300) } })).code, 'MIC_DEVICE_REFUSED');
    assert.ok((await client.call('ping', {})).uptimeMs > 0);
    assert.equal(client.events('state').at(-1)?.state, 'ready');
  });

  test('default and plain hardware names go to arecord without a listing', async () => {
    for (const device of ['default', 'hw:7,0']) {
      const from = logged().length;
      const r = await client.request('startDictation', { source: { kind: 'microphone', device } });
      // This machine has no sound card: ALSA itself says no (what it says is not the point here).
      if (r.ok) await client.call('cancelDictation', {});
      else assert.equal(r.error.code, 'MIC_DEVICE_ERROR', `${device}: ${r.error.message}`);
      assert.deepEqual(listings(from), [], `${device}: no arecord -L`);
      assert.deepEqual(recorders(from).map((l) => l.split(' -D ')[1]), [device], `${device}: handed to arecord`);
    }
    assert.equal(client.events('state').at(-1)?.state, 'ready');
  });
});

/** Running (not zombie) children of `parent` named arecord. */
function arecordChildren(parent: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (m && m[1] === 'arecord' && m[2] !== 'Z' && Number(m[3]) === parent) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}
