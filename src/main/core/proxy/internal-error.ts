import type { ServerResponse } from 'node:http';

/**
 * Failures of the relay itself (a bug, a RangeError on absurd input) that were answered with a
 * 500: noted here by the error mapper, logged by the server with the request id (RT-27), so they
 * never pass silently, with or without --debug.
 */
const internalErrors = new WeakMap<ServerResponse, unknown>();

export function noteInternalError(res: ServerResponse, error: unknown): void {
  internalErrors.set(res, error);
}

export function internalErrorOf(res: ServerResponse): unknown {
  return internalErrors.get(res);
}
