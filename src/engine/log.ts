/** Where engine code reports what it did; the sidecar forwards these to the extension's log. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string) => void;

export const silentLog: Log = () => undefined;
export const consoleLog: Log = (level, message) => {
  if (level !== 'debug' || process.env.MURMUR_DEBUG) process.stderr.write(`[${level}] ${message}\n`);
};
