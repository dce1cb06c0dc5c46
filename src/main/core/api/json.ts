/** Small guards for reading untrusted JSON bodies (every API shape is open to extra keys). */

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The object entries of an array (anything else: none). */
export const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** Parses a JSON text the upstream produced; undefined when it isn't JSON. */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A fresh id with a prefix, like the APIs mint theirs (`msg_…`, `resp_…`, `call_…`). */
export function newId(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, '')}`;
}
