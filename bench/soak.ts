/**
 * `npm run soak`: the sidecar under long use, watched for leaks. One real sidecar (spawned as the
 * extension spawns it: process.execPath, Node IPC, JSON) with the embedded Moonshine model on one
 * thread goes through
 *
 * (a) an hour of speech and silence: the clips of ../shared/audio in random order, separated by
 *     pauses of 0.3 s to 40 s, with a little noise throughout, written as six WAV files and
 *     dictated with the file source as fast as the recognizer takes them;
 * (b) 500 microphone dictations through the real arecord reading a file through ALSA's `file`
 *     plugin (test/helpers/alsa-file.ts), each stopped, or sometimes cancelled, after a random
 *     short time (sometimes sent right behind the start).
 *
 * The sidecar's own figures (the diagnostics request: RSS, heap, open fds, active libuv resources,
 * child processes) are sampled at idle after warm-up (the first sixth of the audio, the first 20
 * cycles) and at the end of each phase, and checked:
 * - RSS grows less than 5% from warm-up to the end (each phase, and over the whole run);
 * - open file descriptors and active resources (timers, pipes, processes) do not grow;
 * - no child process is left: none after any cycle's response, none at idle, none after shutdown;
 * - every dictation ends cleanly, every final carries text, everything the sidecar sends is valid.
 *
 * Options: --minutes=N (audio, default 60), --cycles=N (default 500), --seed=N. Prints a table,
 * saves bench-results/soak.json, exits 1 when a check fails. Timings are printed, never judged.
 * --env=NAME=VALUE (repeatable) adds a variable to the sidecar's environment, to compare a setting
 * the extension does not make (e.g. glibc's MALLOC_MMAP_THRESHOLD_=131072); such a run says so.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultModelDir, packageRoot } from '../src/engine/paths';
import type { DictationEndReason, RequestBody, RequestType, ResultMap, SidecarDiagnostics, SidecarEvent } from '../src/protocol/messages';
import { SidecarConnection, SidecarRequestError, silentLogger } from '../src/client/sidecar-connection';
import { PROTOCOL_VERSION } from '../src/protocol/version';
import { alsaFileDevice, requireArecord } from '../test/helpers/alsa-file';
import { clips as clipTranscripts } from '../test/helpers/shared';
import { loadClips, type BenchClip } from './clips';
import { fmt, median, table } from './stats';
import { mulberry32 as rng } from '../test/helpers/random';
import { writeWav } from '../test/helpers/samples';

const RATE = 16000;
const FILES = 6;
const RSS_LIMIT = 0.05;

// ---- options ------------------------------------------------------------------------------------

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const v = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} takes a positive number, got ${arg}`);
  return v;
}

const MINUTES = option('minutes', 60);
const CYCLES = Math.round(option('cycles', 500));
const SEED = Math.round(option('seed', 20261125));
const WARM_CYCLES = Math.min(20, Math.floor(CYCLES / 2));
const EXTRA_ENV: Record<string, string> = Object.fromEntries(
  process.argv
    .filter((a) => a.startsWith('--env='))
    .map((a) => {
      const m = /^--env=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(a);
      if (!m) throw new Error(`--env takes NAME=VALUE, got ${a}`);
      return [m[1], m[2]];
    }),
);

const random = rng(SEED);
const between = (lo: number, hi: number) => lo + (hi - lo) * random();

// ---- the sidecar, spoken to as the extension does -----------------------------------------------

type Body<K extends RequestType> = Omit<RequestBody<K>, 'type'>;

class RequestFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface SessionTally {
  finals: number;
  emptyFinals: number;
  texts: string[];
  ended?: DictationEndReason;
  /** Partials or finals that arrived after dictationEnded (there must be none). */
  late: number;
}

/**
 * A lean client over the extension's own SidecarConnection (so the soak measures the client users
 * run): keeps counts, not the messages (an hour makes many).
 */
class Sidecar {
  readonly connection: SidecarConnection;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly invalid: string[] = [];
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  readonly counts = new Map<string, number>();
  readonly sessions = new Map<number, SessionTally>();
  stderr = '';
  private readonly endWaiters = new Map<number, () => void>();

  constructor(env: NodeJS.ProcessEnv) {
    const script = path.join(packageRoot(), 'dist', 'sidecar.js');
    if (!fs.existsSync(script)) throw new Error(`missing ${script}: run "node esbuild.js" first`);
    this.connection = new SidecarConnection({
      script,
      env,
      // The sidecar's stderr arrives as '[sidecar] ' warn lines; the tail is kept for failure reports.
      log: { ...silentLogger, warn: (m) => (this.stderr = (this.stderr + m.replace(/^\[sidecar\] /, '') + '\n').slice(-4000)) },
    });
    this.connection.onInvalid((reason) => {
      if (this.invalid.length < 20) this.invalid.push(reason);
    });
    this.connection.onMessage((m) => this.counts.set(m.type, (this.counts.get(m.type) ?? 0) + 1));
    this.connection.onEvent((e) => this.event(e));
    this.child = this.connection.spawn();
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private event(e: SidecarEvent): void {
    if (e.type === 'partial') {
      const s = this.tally(e.session);
      if (s.ended) s.late++;
    } else if (e.type === 'final') {
      const s = this.tally(e.session);
      if (s.ended) s.late++;
      s.finals++;
      if (!e.text.trim()) s.emptyFinals++;
      s.texts.push(e.text);
    } else if (e.type === 'dictationEnded') {
      this.tally(e.session).ended = e.reason;
      this.endWaiters.get(e.session)?.();
    } else if (e.type === 'error') {
      if (this.errors.length < 50) this.errors.push(`${e.code}: ${e.message}`);
    } else if (e.type === 'log' && (e.level === 'warn' || e.level === 'error')) {
      if (this.warnings.length < 50) this.warnings.push(`${e.level}: ${e.message.slice(0, 300)}`);
    }
  }

  tally(session: number): SessionTally {
    let s = this.sessions.get(session);
    if (!s) this.sessions.set(session, (s = { finals: 0, emptyFinals: 0, texts: [], late: 0 }));
    return s;
  }

  /** Sends a request without waiting (the caller awaits the promise when it wants the answer). */
  send<K extends RequestType>(type: K, body: Body<K>, timeoutMs = 120_000): Promise<ResultMap[K]> {
    return this.connection.request<K>({ ...body, type } as RequestBody<K> & { type: K }, timeoutMs).catch((e: unknown) => {
      if (e instanceof SidecarRequestError && e.code === 'TIMEOUT') throw new Error(`${type}: ${e.message}; stderr: ${this.stderr.slice(-1000)}`);
      if (e instanceof SidecarRequestError) throw new RequestFailed(e.code, `${type} failed: ${e.code}: ${e.message}`);
      throw e;
    });
  }

  /** Resolves when the session's dictationEnded has arrived (at once if it already has). */
  ended(session: number, timeoutMs: number): Promise<DictationEndReason> {
    const known = this.sessions.get(session)?.ended;
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.endWaiters.delete(session);
        reject(new Error(`dictation ${session} did not end within ${timeoutMs} ms; stderr: ${this.stderr.slice(-1000)}`));
      }, timeoutMs);
      this.endWaiters.set(session, () => {
        clearTimeout(timer);
        this.endWaiters.delete(session);
        resolve(this.sessions.get(session)?.ended ?? 'error');
      });
    });
  }

  diagnostics(): Promise<SidecarDiagnostics> {
    return this.send('diagnostics', {}, 30_000);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

// ---- audio --------------------------------------------------------------------------------------

/** A pause: mostly short, sometimes a long one (someone reading, thinking, away from the keyboard). */
function pauseSeconds(): number {
  const r = random();
  if (r < 0.6) return between(0.3, 2);
  if (r < 0.9) return between(2, 8);
  return between(15, 40);
}

interface Composition {
  samples: Float32Array;
  spoken: number;
  words: string[];
}

/** `seconds` of clips and pauses with noise at about -50 dBFS; pauses at both ends. */
function compose(clips: BenchClip[], transcripts: Map<string, string>, seconds: number, noise = 0.003): Composition {
  const total = Math.round(seconds * RATE);
  const out = new Float32Array(total);
  const tail = Math.round(0.5 * RATE);
  let at = Math.round(between(0.5, 2) * RATE);
  let spoken = 0;
  const words: string[] = [];
  for (;;) {
    // A random clip among those that still fit.
    const fitting = clips.filter((c) => at + c.samples.length + tail <= total);
    if (fitting.length === 0) break;
    const clip = fitting[Math.floor(random() * fitting.length)];
    out.set(clip.samples, at);
    at += clip.samples.length + Math.round(pauseSeconds() * RATE);
    spoken++;
    words.push(...wordsOf(transcripts.get(clip.name) ?? ''));
  }
  // Uniform noise of amplitude `noise` (rms noise / sqrt 3) on everything, speech included.
  for (let i = 0; i < total; i++) out[i] += (random() * 2 - 1) * noise;
  return { samples: out, spoken, words };
}

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Share of reference words found among the recognized ones (a bag of words; order ignored). */
function recall(reference: string[], heard: string[]): number {
  const bag = new Map<string, number>();
  for (const w of heard) bag.set(w, (bag.get(w) ?? 0) + 1);
  let hits = 0;
  for (const w of reference) {
    const n = bag.get(w) ?? 0;
    if (n > 0) {
      hits++;
      bag.set(w, n - 1);
    }
  }
  return reference.length ? hits / reference.length : 1;
}

// ---- measurement --------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds the process has used (utime + stime). */
function cpuSeconds(pid: number): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

interface Sample extends SidecarDiagnostics {
  at: string;
  /** Seconds since the model was loaded. */
  t: number;
  /** RSS split from /proc/<pid>/status: anonymous (heaps, ORT buffers) and file-backed (the mapped model, code). */
  anonBytes: number;
  fileBytes: number;
}

function rssSplit(pid: number): { anonBytes: number; fileBytes: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { anonBytes: kb('RssAnon'), fileBytes: kb('RssFile') };
  } catch {
    return { anonBytes: NaN, fileBytes: NaN };
  }
}

/**
 * Figures at idle: after a short pause (the last events flushed), three readings a second apart,
 * the median RSS one kept (a single reading can catch V8 between a scavenge and its release).
 */
async function idleSample(sidecar: Sidecar, at: string, t0: number): Promise<Sample> {
  await sleep(2000);
  const reads: (SidecarDiagnostics & { anonBytes: number; fileBytes: number })[] = [];
  for (let i = 0; i < 3; i++) {
    if (i) await sleep(1000);
    const d = await sidecar.diagnostics();
    reads.push({ ...d, ...rssSplit(sidecar.pid) });
  }
  const rss = median(reads.map((r) => r.rssBytes));
  const chosen = reads.find((r) => r.rssBytes === rss) ?? reads[1];
  return { ...chosen, at, t: (performance.now() - t0) / 1000 };
}

const mb = (b: number) => fmt(b / 1024 / 1024, 1);
const growth = (a: number, b: number) => (b - a) / a;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${fmt(100 * x, 2)}%`;
const resourcesText = (r: Record<string, number>) =>
  Object.keys(r)
    .sort()
    .map((k) => `${k}:${r[k]}`)
    .join(' ') || '(none)';

/** Kinds whose count at `end` is above `warm`. */
function grownResources(warm: Record<string, number>, end: Record<string, number>): string[] {
  return Object.keys(end).filter((k) => end[k] > (warm[k] ?? 0)).map((k) => `${k} ${warm[k] ?? 0} -> ${end[k]}`);
}

/** Processes anywhere whose environment names our ALSA config: recorders the sidecar started. */
function strayRecorders(alsaConfig: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('arecord')) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`ALSA_CONFIG_PATH=${alsaConfig}`)) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

// ---- the run ------------------------------------------------------------------------------------

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

async function main(): Promise<void> {
  requireArecord();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-soak-'));
  const cacheDir = path.join(work, 'cache');
  fs.mkdirSync(cacheDir);
  const clips = loadClips();
  const transcripts = new Map(clipTranscripts().map((c) => [c.name, c.transcript]));
  console.log(`Murmur soak: ${os.cpus().length} x ${os.cpus()[0]?.model}, Node ${process.version}; ${MINUTES} min of audio in ${FILES} files, ${CYCLES} microphone cycles, seed ${SEED}`);
  const extra = Object.entries(EXTRA_ENV).map(([k, v]) => `${k}=${v}`);
  if (extra.length) console.log(`NOTE: the sidecar runs with ${extra.join(' ')} added to its environment (the extension does not set it)`);

  // The microphone "hears" short clips with pauses (20 s), then the device's endless silence.
  const micWav = path.join(work, 'microphone.wav');
  const micAudio = compose(clips.filter((c) => c.seconds < 4), transcripts, 20, 0.002);
  writeWav(micWav, micAudio.samples);
  const alsa = alsaFileDevice(micWav, 'murmursoak');
  const alsaConfig = alsa.env.ALSA_CONFIG_PATH ?? '';

  const sidecar = new Sidecar({ ...alsa.env, MURMUR_CACHE_DIR: cacheDir, ...EXTRA_ENV });
  const checks: Check[] = [];
  const results: Record<string, unknown> = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, minutes: MINUTES, cycles: CYCLES, seed: SEED, extraEnv: EXTRA_ENV };
  try {
    const hello = await sidecar.send('hello', { version: PROTOCOL_VERSION });
    const loaded = await sidecar.send('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir }, 600_000);
    console.log(`sidecar pid ${hello.pid}, ${loaded.description}, loaded in ${loaded.loadMs} ms (${loaded.via})`);
    const t0 = performance.now();
    const samples: Sample[] = [await idleSample(sidecar, 'after load', t0)];
    let peakRss = samples[0].rssBytes;

    // (a) an hour of speech and silence through the file source.
    const fileSeconds = (MINUTES * 60) / FILES;
    let audioSeconds = 0;
    let audioWallMs = 0;
    let audioCpu = 0;
    let finals = 0;
    let emptyFinals = 0;
    let spoken = 0;
    const refWords: string[] = [];
    const heardWords: string[] = [];
    const fileEnds: string[] = [];
    for (let n = 0; n < FILES; n++) {
      const comp = compose(clips, transcripts, fileSeconds);
      const file = path.join(work, `speech-${n + 1}.wav`);
      writeWav(file, comp.samples);
      const cpu0 = cpuSeconds(sidecar.pid);
      const w0 = performance.now();
      const { session } = await sidecar.send('startDictation', { source: { kind: 'file', path: file, realtime: false } });
      // Sample while it runs: the peak counts too (a leak inside one long session shows here).
      const ended = sidecar.ended(session, Math.max(900_000, fileSeconds * 3000));
      let done = false;
      void ended.then(
        () => (done = true),
        () => (done = true),
      );
      while (!done) {
        await Promise.race([ended.catch(() => undefined), sleep(10_000)]);
        if (!done) peakRss = Math.max(peakRss, (await sidecar.diagnostics()).rssBytes);
      }
      const reason = await ended;
      const wall = performance.now() - w0;
      const cpu = cpuSeconds(sidecar.pid) - cpu0;
      fs.rmSync(file, { force: true });
      const tally = sidecar.tally(session);
      fileEnds.push(reason);
      audioSeconds += fileSeconds;
      audioWallMs += wall;
      audioCpu += cpu;
      finals += tally.finals;
      emptyFinals += tally.emptyFinals;
      spoken += comp.spoken;
      refWords.push(...comp.words);
      heardWords.push(...tally.texts.flatMap(wordsOf));
      console.log(
        `  file ${n + 1}/${FILES}: ${fmt(fileSeconds, 0)} s audio, ${comp.spoken} clips, ${tally.finals} finals, ${reason}, ` +
          `wall ${fmt(wall / 1000, 1)} s (RTF ${fmt(wall / 1000 / fileSeconds, 3)}), recall ${fmt(100 * recall(comp.words, tally.texts.flatMap(wordsOf)), 1)}%`,
      );
      // Figures at idle after every file: the first is the warm-up, the last the end of the phase.
      samples.push(await idleSample(sidecar, n === 0 ? `audio warm-up (file 1)` : n === FILES - 1 ? `audio end (file ${n + 1})` : `audio file ${n + 1}`, t0));
    }
    const audioWarm = samples[1];
    const audioEnd = samples[samples.length - 1];

    // (b) microphone start/stop cycles.
    let cycleFinals = 0;
    let stops = 0;
    let cancels = 0;
    let pipelined = 0;
    let cycleFailures = 0;
    const cycleFailureText: string[] = [];
    let childAfterResponse = 0;
    let maxCycleFds = 0;
    const c0 = performance.now();
    let cycleWarm: Sample | undefined;
    for (let i = 0; i < CYCLES; i++) {
      const cancel = random() < 0.3;
      const immediate = random() < 0.15;
      const end = cancel ? 'cancelDictation' : 'stopDictation';
      try {
        const started = sidecar.send('startDictation', { source: { kind: 'microphone', device: alsa.device } }, 30_000);
        let session: number;
        let ended: number | null;
        if (immediate) {
          // Right behind the start, before the recorder has delivered anything.
          const [a, b] = await Promise.all([started, sidecar.send(end, {}, 60_000)]);
          session = a.session;
          ended = b.session;
          pipelined++;
        } else {
          session = (await started).session;
          await sleep(between(20, 700));
          ended = (await sidecar.send(end, {}, 60_000)).session;
        }
        if (ended !== session) throw new Error(`${end} ended session ${ended}, not ${session}`);
        const reason = await sidecar.ended(session, 10_000);
        if (reason !== (cancel ? 'cancelled' : 'stopped')) throw new Error(`dictation ${session} ended '${reason}' after ${end}`);
        if (cancel) cancels++;
        else stops++;
        const tally = sidecar.tally(session);
        cycleFinals += tally.finals;
        if (tally.emptyFinals) throw new Error(`dictation ${session}: an empty final`);
        // A final may precede a cancel (a pause ended the utterance); nothing may follow the end.
        if (tally.late) throw new Error(`dictation ${session}: ${tally.late} partial/final events after it ended`);
        // The response comes once the recorder has exited: nothing may be left running.
        const d = await sidecar.diagnostics();
        maxCycleFds = Math.max(maxCycleFds, d.openFds);
        peakRss = Math.max(peakRss, d.rssBytes);
        if (d.childPids.length) childAfterResponse++;
      } catch (e) {
        cycleFailures++;
        if (cycleFailureText.length < 10) cycleFailureText.push(`cycle ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
        await sidecar.send('cancelDictation', {}).catch(() => undefined);
      }
      if ((i + 1) % 50 === 0) console.log(`  cycles ${i + 1}/${CYCLES}: ${stops} stopped, ${cancels} cancelled, ${cycleFailures} failed, ${fmt((performance.now() - c0) / 1000, 0)} s`);
      if (i + 1 === WARM_CYCLES) samples.push((cycleWarm = await idleSample(sidecar, `cycle warm-up (${WARM_CYCLES})`, t0)));
    }
    const cyclesWallMs = performance.now() - c0;
    const cycleEnd = await idleSample(sidecar, 'cycles end', t0);
    samples.push(cycleEnd);
    const warmB = cycleWarm ?? audioEnd;

    // Shutdown: exits 0, and no recorder outlives it.
    await sidecar.send('shutdown', {}, 30_000);
    const exit = await Promise.race([sidecar.exited, sleep(10_000).then(() => undefined)]);
    await sleep(500);
    const stray = strayRecorders(alsaConfig);

    // ---- figures ----
    const audioGrowth = growth(audioWarm.rssBytes, audioEnd.rssBytes);
    const cycleGrowth = growth(warmB.rssBytes, cycleEnd.rssBytes);
    const overallGrowth = growth(audioWarm.rssBytes, cycleEnd.rssBytes);
    console.log('\n## Soak figures (sidecar process, embedded Moonshine, 1 thread)');
    table([
      ['figure', 'value'],
      ['audio processed', `${fmt(audioSeconds, 0)} s (${fmt(audioSeconds / 60, 1)} min) in ${FILES} file dictations, ${spoken} clips`],
      ['wall time (audio)', `${fmt(audioWallMs / 1000, 1)} s`],
      ['RTF (wall / audio)', fmt(audioWallMs / 1000 / audioSeconds, 4)],
      ['sidecar CPU s per audio s', fmt(audioCpu / audioSeconds, 4)],
      ['finals (audio)', `${finals} (${emptyFinals} empty); word recall ${fmt(100 * recall(refWords, heardWords), 1)}%`],
      ['microphone cycles', `${CYCLES}: ${stops} stopped, ${cancels} cancelled (${pipelined} sent right behind the start), ${cycleFailures} failed; ${cycleFinals} finals; ${fmt(cyclesWallMs / 1000, 0)} s`],
      ['peak RSS (any sample)', `${mb(peakRss)} MB`],
    ]);
    console.log('');
    table([
      ['idle sample', 't s', 'RSS MB', 'anon MB', 'file MB', 'heap MB', 'heap committed MB', 'external MB', 'fds', 'children', 'active resources'],
      ...samples.map((s) => [s.at, fmt(s.t, 0), mb(s.rssBytes), mb(s.anonBytes), mb(s.fileBytes), mb(s.heapUsedBytes), mb(s.heapTotalBytes), mb(s.externalBytes), s.openFds, s.childPids.length, resourcesText(s.activeResources)]),
    ]);
    console.log('');
    table([
      ['phase', 'RSS warm MB', 'RSS end MB', 'growth', 'heap warm MB', 'heap end MB', 'fds warm', 'fds end', 'resources warm', 'resources end', 'children end'],
      ['audio', mb(audioWarm.rssBytes), mb(audioEnd.rssBytes), pct(audioGrowth), mb(audioWarm.heapUsedBytes), mb(audioEnd.heapUsedBytes), audioWarm.openFds, audioEnd.openFds, resourcesText(audioWarm.activeResources), resourcesText(audioEnd.activeResources), audioEnd.childPids.length],
      ['cycles', mb(warmB.rssBytes), mb(cycleEnd.rssBytes), pct(cycleGrowth), mb(warmB.heapUsedBytes), mb(cycleEnd.heapUsedBytes), warmB.openFds, cycleEnd.openFds, resourcesText(warmB.activeResources), resourcesText(cycleEnd.activeResources), cycleEnd.childPids.length],
      ['whole run', mb(audioWarm.rssBytes), mb(cycleEnd.rssBytes), pct(overallGrowth), mb(audioWarm.heapUsedBytes), mb(cycleEnd.heapUsedBytes), audioWarm.openFds, cycleEnd.openFds, resourcesText(audioWarm.activeResources), resourcesText(cycleEnd.activeResources), cycleEnd.childPids.length],
    ]);

    const check = (name: string, pass: boolean, detail: string) => checks.push({ name, pass, detail });
    check('RSS growth < 5% (audio, after warm-up)', audioGrowth < RSS_LIMIT, pct(audioGrowth));
    check('RSS growth < 5% (cycles, after warm-up)', cycleGrowth < RSS_LIMIT, pct(cycleGrowth));
    check('RSS growth < 5% (whole run, after warm-up)', overallGrowth < RSS_LIMIT, pct(overallGrowth));
    check('open fds not growing', audioEnd.openFds <= audioWarm.openFds && cycleEnd.openFds <= warmB.openFds && cycleEnd.openFds <= audioWarm.openFds, `${audioWarm.openFds} -> ${audioEnd.openFds}; ${warmB.openFds} -> ${cycleEnd.openFds}`);
    const grown = [...grownResources(audioWarm.activeResources, audioEnd.activeResources), ...grownResources(warmB.activeResources, cycleEnd.activeResources), ...grownResources(audioWarm.activeResources, cycleEnd.activeResources)];
    check('no timers/handles growing', grown.length === 0, grown.length ? grown.join(', ') : `idle: ${resourcesText(cycleEnd.activeResources)}`);
    const leftover = samples.filter((s) => s.childPids.length > 0);
    check('no child process at idle', leftover.length === 0, leftover.length ? leftover.map((s) => `${s.at}: ${s.childPids.join(',')}`).join('; ') : `0 in ${samples.length} idle samples`);
    check('no recorder left after any stop/cancel response', childAfterResponse === 0, `${childAfterResponse} of ${CYCLES - cycleFailures} cycles`);
    check('no recorder outlives shutdown', stray.length === 0 && exit?.code === 0, `exit ${exit ? `code ${exit.code}` : 'timed out'}; stray arecord: ${stray.length ? stray.join(',') : 'none'}`);
    check('every file dictation ran to its end', fileEnds.every((r) => r === 'end-of-file'), fileEnds.join(', '));
    check('finals carry text', finals > 0 && emptyFinals === 0, `${finals} finals, ${emptyFinals} empty`);
    check('every microphone cycle ended cleanly', cycleFailures === 0, cycleFailureText.length ? cycleFailureText.join(' | ') : `${CYCLES} of ${CYCLES}`);
    const late = [...sidecar.sessions.values()].reduce((n, t) => n + t.late, 0);
    check('nothing of a dictation after it ended', late === 0, `${late} partial/final events after dictationEnded`);
    check('everything the sidecar sent was valid', sidecar.invalid.length === 0, sidecar.invalid.length ? sidecar.invalid.slice(0, 3).join(' | ') : `${[...sidecar.counts.values()].reduce((a, b) => a + b, 0)} messages`);
    console.log('');
    table([['check', 'result', 'measured'], ...checks.map((c) => [c.name, c.pass ? 'PASS' : 'FAIL', c.detail])]);
    if (sidecar.errors.length) console.log(`\nerror events: ${sidecar.errors.slice(0, 5).join(' | ')}`);
    if (sidecar.warnings.length) console.log(`warnings logged: ${sidecar.warnings.length}; first: ${sidecar.warnings.slice(0, 3).join(' | ')}`);

    Object.assign(results, {
      audio: { seconds: audioSeconds, files: FILES, clips: spoken, wallSeconds: audioWallMs / 1000, rtf: audioWallMs / 1000 / audioSeconds, cpuPerAudioSecond: audioCpu / audioSeconds, finals, emptyFinals, wordRecall: recall(refWords, heardWords), ends: fileEnds },
      cycles: { count: CYCLES, warmUp: WARM_CYCLES, stopped: stops, cancelled: cancels, pipelined, failed: cycleFailures, failures: cycleFailureText, finals: cycleFinals, wallSeconds: cyclesWallMs / 1000, childAfterResponse, maxFds: maxCycleFds },
      rss: { audioGrowth, cycleGrowth, overallGrowth, peakBytes: peakRss },
      samples,
      shutdown: { exit, strayRecorders: stray },
      messages: Object.fromEntries(sidecar.counts),
      errors: sidecar.errors,
      warnings: sidecar.warnings,
      checks,
      pass: checks.every((c) => c.pass),
    });
  } catch (e) {
    checks.push({ name: 'the soak ran to its end', pass: false, detail: e instanceof Error ? e.message : String(e) });
    console.error(e);
    Object.assign(results, { checks, pass: false, messages: Object.fromEntries(sidecar.counts), errors: sidecar.errors, stderr: sidecar.stderr });
  } finally {
    await sidecar.kill();
    alsa.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const dir = path.join(packageRoot(), 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'soak.json'), JSON.stringify(results, null, 2) + '\n');
  const pass = checks.length > 0 && checks.every((c) => c.pass);
  console.log(`\nsaved bench-results/soak.json\nsoak: ${pass ? 'PASS' : 'FAIL'}`);
  process.exitCode = pass ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
