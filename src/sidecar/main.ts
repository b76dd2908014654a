/**
 * The sidecar process: owns the model and the microphone so the extension host never blocks on
 * inference. Runs under Node 20+ or Electron with ELECTRON_RUN_AS_NODE=1, spawned by the extension:
 *
 *   spawn(process.execPath, sidecarArgv('dist/sidecar.js'), {   // protocol/launch.ts: runtime flags first
 *     stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json',
 *     ...privateSpawnOptions(sidecarEnv(process.env)),   // MALLOC_ARENA_MAX=2, ELECTRON_RUN_AS_NODE=1;
 *   })                                                  // private cwd and TMPDIR (engine/process-dirs.ts)
 *
 * It moves into those private folders itself too, whoever started it.
 *
 * Messages travel over Node's IPC channel (process.send / 'message'), validated on receipt.
 * Nothing here exits because of input: malformed messages get error responses, handler failures
 * become error responses, stray rejections and exceptions are logged. It exits when the parent
 * disconnects (so no sidecar outlives its window) or on a shutdown request; it never restarts
 * itself (the extension does).
 */
import { enterPrivateDirs } from '../engine/process-dirs';
import { SidecarServer, type Transport } from './server';

function main(): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write(
      'murmur sidecar: no IPC channel. This process is started by the Murmur extension with ' +
        "stdio ['ignore', 'pipe', 'pipe', 'ipc'] and serialization 'json'; it cannot be run on its own. " +
        'To transcribe from a terminal use `murmur transcribe FILE`.\n',
    );
    process.exit(2);
  }

  const transport: Transport = {
    send(message, sent) {
      if (!process.connected) {
        sent?.();
        return;
      }
      try {
        // The callback also receives send errors, which keeps them from becoming 'error' events.
        send(message, undefined, undefined, () => sent?.());
      } catch {
        sent?.(); // channel closed under us; the 'disconnect' handler exits
      }
    },
  };

  const server = new SidecarServer(transport, (code) => {
    server.kill();
    process.exit(code);
  });

  process.on('message', (raw: unknown) => server.receive(raw));
  process.on('disconnect', () => {
    server.kill();
    process.exit(0);
  });
  process.on('exit', () => server.kill());
  process.on('unhandledRejection', (reason) => {
    server.log('error', `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  process.on('uncaughtException', (error) => {
    // Staying up keeps the user's dictation usable; the log tells the developer what happened.
    server.log('error', `uncaught exception: ${error.stack ?? error.message}`);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      server.kill();
      process.exit(0);
    });
  }
  server.begin();
  // Requests are handled after this returns, so this is before any model loads (onnxruntime
  // writes its temp files at its first session).
  const problem = enterPrivateDirs();
  if (problem) server.log('warn', problem);
}

main();
