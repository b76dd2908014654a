/**
 * Runtime validation of every sidecar message, in both directions, from the one declaration of
 * each in messages.ts. Each validator takes what arrived and returns either the typed message,
 * rebuilt from the checked fields only, or the reason it was refused: the path of the first bad
 * field and what was expected there, e.g.
 * `loadModel.threads: expected an integer from 1 to 64, got the number 0`.
 *
 * Unknown fields are ignored (and dropped): a minor protocol version may add optional fields.
 * Unknown message types, missing or mistyped fields, and messages over MAX_MESSAGE_BYTES are refused.
 */
import { boolean, Invalid, oneOf, record } from './check';
import {
  errorInfo,
  EVENT_FIELDS,
  EVENT_TYPES,
  MAX_MESSAGE_BYTES,
  REQUEST_FIELDS,
  REQUEST_HEAD,
  RESULT_SCHEMAS,
  type Request,
  type RequestType,
  type Response,
  type ResultMap,
  type SidecarMessage,
} from './messages';
import { checkTableMessage, envelope, own } from './schema';

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

function run<T>(check: () => T): Validation<T> {
  try {
    return { ok: true, value: check() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.reason };
    throw e;
  }
}

/** The request id of a message that may be malformed otherwise, so its error response can carry it. */
export function readableId(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const v = own(raw as Record<string, unknown>, 'id');
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Host -> sidecar. */
export function validateRequest(raw: unknown): Validation<Request> {
  return run(() => checkTableMessage(raw, MAX_MESSAGE_BYTES, REQUEST_FIELDS, REQUEST_HEAD));
}

/** The result of a successful response to a request of `type` (the response itself does not say which). */
export function validateResult<K extends RequestType>(type: K, raw: unknown): Validation<ResultMap[K]> {
  return run(() => {
    const at = `${type} result`;
    return RESULT_SCHEMAS[type].check(record(raw, at), at);
  });
}

function response(o: Record<string, unknown>): Response {
  const id = REQUEST_HEAD.id.check(own(o, 'id'), 'response.id');
  if (boolean(own(o, 'ok'), 'response.ok')) return { type: 'response', id, ok: true, result: record(own(o, 'result'), 'response.result') };
  return { type: 'response', id, ok: false, error: errorInfo.check(own(o, 'error'), 'response.error') };
}

/** Sidecar -> host: a response (result checked later by validateResult) or an event. */
export function validateSidecarMessage(raw: unknown): Validation<SidecarMessage> {
  return run(() => {
    const o = envelope(raw, MAX_MESSAGE_BYTES);
    if (oneOf(own(o, 'type'), 'message.type', ['response', ...EVENT_TYPES]) === 'response') return response(o);
    return checkTableMessage(o, MAX_MESSAGE_BYTES, EVENT_FIELDS);
  });
}
