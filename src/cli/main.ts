/**
 * The `murmur` command (bin/murmur.js loads this bundle): transcribe a WAV file or list
 * microphones, offline, without an editor. Exit codes: 0 done, 1 failed (the message says why and
 * what to do; no stack trace unless MURMUR_DEBUG is set), 2 wrong usage.
 */
import { isMurmurError } from '../engine/errors';
import { enterPrivateDirs } from '../engine/process-dirs';
import type { Log } from '../engine/log';
import { listDevices } from '../sidecar/devices';
import { parseArgs, USAGE, UsageError } from './args';
import { transcribe } from './transcribe';

function stderrLog(verbose: boolean): Log {
  return (level, message) => {
    if (level === 'warn' || level === 'error' || (verbose && level === 'info') || process.env.MURMUR_DEBUG) process.stderr.write(`[${level}] ${message}\n`);
  };
}

async function run(argv: readonly string[]): Promise<number> {
  const command = parseArgs(argv);
  // onnxruntime's temp files go to Murmur's private folder; the working folder stays the user's,
  // whose relative paths the arguments are.
  const problem = enterPrivateDirs({ keepCwd: true });
  if (problem && process.env.MURMUR_DEBUG) process.stderr.write(`[debug] ${problem}\n`);
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'devices':
      for (const d of await listDevices()) process.stdout.write(`${d.name}\t${d.description}\n`);
      return 0;
    case 'transcribe':
      await transcribe(command, process.stdout, stderrLog(command.verbose));
      return 0;
  }
}

function report(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`murmur: ${e.message}\nRun "murmur --help" for usage.\n`);
    return 2;
  }
  process.stderr.write(`murmur: ${e instanceof Error ? e.message : String(e)}\n`);
  // A MurmurError's message is the whole story; anything else is a bug, whose stack helps only on request.
  if (process.env.MURMUR_DEBUG && !isMurmurError(e) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = report(e);
  },
);
