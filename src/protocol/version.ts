/**
 * The protocol version, "MAJOR.MINOR". Both ends ship in the same VSIX, so a mismatch means a stale
 * process (an old sidecar left by an update, a dev build beside an installed one). Only the major
 * matters: a minor bump may add optional fields, which receivers ignore; a major bump changes or
 * removes something, and the handshake (hello) refuses it.
 *
 * 1.1: the diagnostics request (a 1.0 sidecar answers it with PROTOCOL_INVALID).
 * 1.2: stopDictation / cancelDictation may name the session they are for (a 1.1 sidecar ignores
 *      it and ends whatever dictation runs).
 */
export const PROTOCOL_VERSION = '1.2';

/** The major number of "MAJOR.MINOR[...]", or undefined when the string is not a version. */
export function protocolMajor(version: string): number | undefined {
  const m = /^(\d{1,6})(?:\.\d{1,6}){0,2}$/.exec(version);
  return m ? Number(m[1]) : undefined;
}

/** True when a peer speaking `version` can talk to this build. */
export function isCompatibleVersion(version: string): boolean {
  const theirs = protocolMajor(version);
  return theirs !== undefined && theirs === protocolMajor(PROTOCOL_VERSION);
}
