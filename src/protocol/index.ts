/**
 * The sidecar protocol: message types (import type them), the version, and the validators both
 * ends run on everything they receive.
 */
export * from './messages';
export * from './version';
export { validateRequest, validateResult, validateSidecarMessage, readableId, type Validation } from './validate';
