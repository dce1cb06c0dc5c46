/**
 * Is `bytes` one complete JSON object or array (what `JSON.parse` accepts with an object result)?
 * A validating scanner over the raw bytes: no string decoding and no objects built, so the check
 * that catches truncated or garbled upstream JSON costs a fraction of `JSON.parse(buf.toString())`
 * on the proxy's hot path. It follows the JSON grammar exactly (RFC 8259: whitespace, escapes,
 * control characters, number syntax, literals, nesting, nothing after the value).
 */
export function isJsonContainer(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = skipWs(bytes, 0);
  if (i >= n || (bytes[i] !== 0x7b && bytes[i] !== 0x5b)) return false;
  // Open containers: true = object, false = array.
  const stack: boolean[] = [];
  value: for (;;) {
    i = skipWs(bytes, i);
    if (i >= n) return false;
    const c = bytes[i]!;
    if (c === 0x7b /* { */) {
      i = skipWs(bytes, i + 1);
      if (bytes[i] === 0x7d /* } */) i++;
      else {
        stack.push(true);
        i = keyColon(bytes, i);
        if (i < 0) return false;
        continue value;
      }
    } else if (c === 0x5b /* [ */) {
      i = skipWs(bytes, i + 1);
      if (bytes[i] === 0x5d /* ] */) i++;
      else {
        stack.push(false);
        continue value;
      }
    } else if (c === 0x22 /* " */) i = scanString(bytes, i);
    else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) i = scanNumber(bytes, i);
    else if (c === 0x74 /* t */) i = literal(bytes, i, TRUE);
    else if (c === 0x66 /* f */) i = literal(bytes, i, FALSE);
    else if (c === 0x6e /* n */) i = literal(bytes, i, NULL);
    else return false;
    if (i < 0) return false;
    // After a value: a comma, the matching close bracket, or (at the top) the end.
    for (;;) {
      i = skipWs(bytes, i);
      if (stack.length === 0) return i === n;
      const d = bytes[i];
      const inObject = stack[stack.length - 1]!;
      if (d === 0x2c /* , */) {
        i = inObject ? keyColon(bytes, skipWs(bytes, i + 1)) : i + 1;
        if (i < 0) return false;
        continue value;
      }
      if (d !== (inObject ? 0x7d : 0x5d)) return false;
      stack.pop();
      i++;
    }
  }
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function skipWs(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** An object key and its colon; returns the index after the colon or -1. */
function keyColon(b: Uint8Array, i: number): number {
  if (b[i] !== 0x22) return -1;
  i = scanString(b, i);
  if (i < 0) return -1;
  i = skipWs(b, i);
  return b[i] === 0x3a /* : */ ? i + 1 : -1;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

/** From the opening quote; returns the index after the closing quote or -1. */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  while (i < n) {
    const c = b[i]!;
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c /* \ */) {
      const e = b[i + 1];
      if (e === 0x75 /* u */) {
        if (!isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return -1;
        i += 6;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
      else return -1;
    } else i++;
  }
  return -1;
}

function digits(b: Uint8Array, i: number): number {
  while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  return i;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; returns the index after it or -1. */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++;
  const c = b[i];
  if (c === 0x30) i++;
  else if (c !== undefined && c >= 0x31 && c <= 0x39) i = digits(b, i + 1);
  else return -1;
  if (b[i] === 0x2e /* . */) {
    const end = digits(b, i + 1);
    if (end === i + 1) return -1;
    i = end;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    const end = digits(b, i);
    if (end === i) return -1;
    i = end;
  }
  return i;
}

function literal(b: Uint8Array, i: number, word: number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}
