/**
 * Byte-level reads of JSON the relay forwards without parsing (native pass-through): find the
 * string value of a key near the top of an object, and the extent of an object value. Strings are
 * skipped with their escapes, so nothing inside a string can match; a raw newline (never inside a
 * valid JSON text) resets the state, so one broken SSE line can't disturb the next.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const NEWLINE = 0x0a;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/** End index (exclusive, at the closing quote) of the string whose opening quote is at `at - 1`. */
function stringEnd(buf: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end) {
    const c = buf[i]!;
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE || c === NEWLINE) return i;
    else i++;
  }
  return end;
}

export interface Span {
  start: number;
  end: number;
}

/** True when `buf[span]` holds exactly `text` (no allocation; any non-ASCII difference counts as different). */
export function spanEquals(buf: Uint8Array, span: Span, text: string): boolean {
  if (span.end - span.start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[span.start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * The first string value of `key` at an object depth between 1 and `maxDepth` (1 = the top-level
 * object of a line), as the span of its contents without quotes; null when absent.
 */
export function findStringValue(buf: Uint8Array, key: Uint8Array, maxDepth: number, from = 0, to = buf.length): Span | null {
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = buf[i]!;
    if (c === QUOTE) {
      const close = stringEnd(buf, i + 1, to);
      if (depth >= 1 && depth <= maxDepth && close - i - 1 === key.length && matches(buf, i + 1, key)) {
        let k = close + 1;
        while (isSpace(buf[k])) k++;
        if (buf[k] === COLON) {
          k++;
          while (isSpace(buf[k])) k++;
          if (buf[k] === QUOTE) {
            const valueEnd = stringEnd(buf, k + 1, to);
            if (buf[valueEnd] === QUOTE) return { start: k + 1, end: valueEnd };
          }
        }
      }
      i = close + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === NEWLINE) depth = 0;
    i++;
  }
  return null;
}

function matches(buf: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let j = 0; j < key.length; j++) if (buf[at + j] !== key[j]) return false;
  return true;
}

/** The extent of the object value starting at `open` (a `{`), or null when it isn't closed. */
export function objectExtent(buf: Uint8Array, open: number, to = buf.length): Span | null {
  if (buf[open] !== 0x7b) return null;
  let depth = 0;
  let i = open;
  while (i < to) {
    const c = buf[i]!;
    if (c === QUOTE) {
      i = stringEnd(buf, i + 1, to) + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return { start: open, end: i + 1 };
    } else if (c === NEWLINE) return null;
    i++;
  }
  return null;
}

/** `"<key>":` as bytes, for lastObjectValue (built once per key, not per call). */
export function keyNeedle(key: string): Buffer {
  return Buffer.from(`"${key}":`);
}

/** The object value after the last `"<key>":` (a keyNeedle) in `buf[from, to)`, parsed; undefined when absent or unreadable. */
export function lastObjectValue(buf: Buffer, needle: Buffer, from = 0, to = buf.length): Record<string, unknown> | undefined {
  let at = buf.lastIndexOf(needle, to - 1);
  while (at >= from) {
    let k = at + needle.length;
    while (isSpace(buf[k])) k++;
    const extent = objectExtent(buf, k, to);
    if (extent) {
      try {
        return JSON.parse(buf.toString('utf8', extent.start, extent.end)) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    }
    at = at > 0 ? buf.lastIndexOf(needle, at - 1) : -1;
  }
  return undefined;
}
