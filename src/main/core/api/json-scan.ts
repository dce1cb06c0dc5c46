/**
 * A validating JSON scanner for the translated streams' fast path (fast-delta.ts): it walks one
 * upstream event's JSON text without building objects, so the common delta events are read
 * without JSON.parse (~0.7 µs of the ~1.9 µs the full path spent decoding a 180-byte chat chunk,
 * bench/translation-micro.ts). It follows the JSON grammar strictly: whatever it accepts,
 * JSON.parse accepts with the same meaning, and anything it can't vouch for (a bad token, an
 * escaped key, nesting past MAX_DEPTH) is -1, which sends the event down the full path.
 * Positions are indexes into `s`, the event's data.
 */

const MAX_DEPTH = 32;

const enum Char {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Zero = 0x30,
  One = 0x31,
  Nine = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** `" \ / b f n r t` after a backslash. */
const isSimpleEscape = (c: number) => c === Char.Quote || c === Char.Backslash || c === Char.Slash || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;

export type MemberVisitor = (key: string, valueAt: number) => number;

export class JsonScan {
  /** The JSON text being scanned. */
  s = '';
  /** The characters of the string the last successful readString read. */
  text = '';
  /** The value the last successful readIndex read. */
  value = 0;
  private escaped = false;

  // Every read checks the length first: charCodeAt past the end (NaN) made V8 run these loops
  // 2× slower in a micro-benchmark (0.44 → 0.92 µs over a 190-character chunk).

  skipSpace(i: number): number {
    const s = this.s;
    const n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c !== Char.Space && c !== Char.Newline && c !== Char.Return && c !== Char.Tab) return i;
      i++;
    }
    return i;
  }

  /** `s[i]` is a `"`: the index after the closing quote, or -1 (raw control character, bad escape, no end). */
  skipString(i: number): number {
    const s = this.s;
    const n = s.length;
    this.escaped = false;
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === Char.Quote) return i + 1;
      if (c === Char.Backslash) {
        this.escaped = true;
        if (i + 1 >= n) return -1;
        const e = s.charCodeAt(i + 1);
        if (e === 0x75 /* u */) {
          if (i + 5 >= n || !isHex(s.charCodeAt(i + 2)) || !isHex(s.charCodeAt(i + 3)) || !isHex(s.charCodeAt(i + 4)) || !isHex(s.charCodeAt(i + 5))) return -1;
          i += 6;
        } else if (isSimpleEscape(e)) i += 2;
        else return -1;
        continue;
      }
      // Raw control characters are invalid inside a string.
      if (c < Char.Space) return -1;
      i++;
    }
    return -1;
  }

  /** While a reader learns a template: `start, end` of every number skipped (fast-delta.ts). */
  numbers: number[] | null = null;

  /** The index after the JSON value at `i` (no leading space), or -1. */
  skipValue(i: number, depth = 0): number {
    const s = this.s;
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    if (c === Char.Quote) return this.skipString(i);
    if (c === Char.OpenBrace || c === Char.OpenBracket) {
      if (depth >= MAX_DEPTH) return -1;
      const object = c === Char.OpenBrace;
      const close = object ? Char.CloseBrace : Char.CloseBracket;
      i = this.skipSpace(i + 1);
      if (s.charCodeAt(i) === close) return i + 1;
      for (;;) {
        if (object) {
          if (s.charCodeAt(i) !== Char.Quote) return -1;
          i = this.skipString(i);
          if (i < 0) return -1;
          i = this.skipSpace(i);
          if (s.charCodeAt(i) !== Char.Colon) return -1;
          i = this.skipSpace(i + 1);
        }
        i = this.skipValue(i, depth + 1);
        if (i < 0) return -1;
        i = this.skipSpace(i);
        const next = s.charCodeAt(i);
        if (next === close) return i + 1;
        if (next !== Char.Comma) return -1;
        i = this.skipSpace(i + 1);
      }
    }
    if (c === 0x74 /* t */) return s.startsWith('true', i) ? i + 4 : -1;
    if (c === 0x66 /* f */) return s.startsWith('false', i) ? i + 5 : -1;
    if (c === 0x6e /* n */) return this.skipNull(i);
    const end = this.skipNumber(i);
    if (end >= 0 && this.numbers) this.numbers.push(i, end);
    return end;
  }

  /** `null` at `i`: the index after it, else -1. */
  skipNull(i: number): number {
    return this.s.startsWith('null', i) ? i + 4 : -1;
  }

  /**
   * Walks the members of the object at `i` (a `{`): `visit` gets each key (unescaped keys only: an
   * escaped one aborts) and its value's index, and returns the index after the value (skipValue,
   * or its own read), or -1 to abort. Returns the index after the object, or -1.
   */
  walkObject(i: number, visit: MemberVisitor): number {
    const s = this.s;
    if (i >= s.length || s.charCodeAt(i) !== Char.OpenBrace) return -1;
    i = this.skipSpace(i + 1);
    if (s.charCodeAt(i) === Char.CloseBrace) return i + 1;
    for (;;) {
      if (s.charCodeAt(i) !== Char.Quote) return -1;
      const keyEnd = this.skipString(i);
      if (keyEnd < 0 || this.escaped) return -1;
      const key = s.slice(i + 1, keyEnd - 1);
      i = this.skipSpace(keyEnd);
      if (s.charCodeAt(i) !== Char.Colon) return -1;
      i = visit(key, this.skipSpace(i + 1));
      if (i < 0) return -1;
      i = this.skipSpace(i);
      const next = s.charCodeAt(i);
      if (next === Char.CloseBrace) return i + 1;
      if (next !== Char.Comma) return -1;
      i = this.skipSpace(i + 1);
    }
  }

  /** `[ {…} ]` at `i`: an array of exactly one object, walked with `visit`; the index after it, or -1. */
  walkOnlyObject(i: number, visit: MemberVisitor): number {
    if (i >= this.s.length || this.s.charCodeAt(i) !== Char.OpenBracket) return -1;
    const end = this.walkObject(this.skipSpace(i + 1), visit);
    if (end < 0) return -1;
    const close = this.skipSpace(end);
    return this.s.charCodeAt(close) === Char.CloseBracket ? close + 1 : -1;
  }

  /** Scans `s` as one whole JSON object walked with `visit`: true when all of it is valid. */
  walkText(s: string, visit: MemberVisitor): boolean {
    this.s = s;
    const end = this.walkObject(this.skipSpace(0), visit);
    const ok = end >= 0 && this.skipSpace(end) === s.length;
    this.s = '';
    return ok;
  }

  /** The string at `i`: the index after it, its characters in `text`; -1 when there is no valid string there. */
  readString(i: number): number {
    const s = this.s;
    if (i >= s.length || s.charCodeAt(i) !== Char.Quote) return -1;
    const end = this.skipString(i);
    if (end < 0) return -1;
    // Escapes need decoding (rare in a short delta); the scan above proved the literal valid.
    this.text = this.escaped ? (JSON.parse(s.slice(i, end)) as string) : s.slice(i + 1, end - 1);
    return end;
  }

  /** A plain non-negative integer (`0`, `12`) at `i`: the index after it, its value in `value`; else -1. */
  readIndex(i: number): number {
    const s = this.s;
    const n = s.length;
    let k = i;
    let value = 0;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c < Char.Zero || c > Char.Nine) break;
      value = value * 10 + (c - Char.Zero);
      k++;
    }
    // No digits, a leading zero (invalid JSON), too long, or a fraction/exponent: not a plain index.
    if (k === i || k - i > 9 || (k - i > 1 && s.charCodeAt(i) === Char.Zero)) return -1;
    const next = k < n ? s.charCodeAt(k) : 0;
    if (next === Char.Dot || next === Char.LowerE || next === Char.UpperE) return -1;
    this.value = value;
    return k;
  }

  private skipDigits(i: number): number {
    const s = this.s;
    const n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < Char.Zero || c > Char.Nine) return i;
      i++;
    }
    return i;
  }

  /** The index after the JSON number at `i`, or -1. */
  skipNumber(i: number): number {
    const s = this.s;
    const n = s.length;
    if (i < n && s.charCodeAt(i) === Char.Minus) i++;
    if (i >= n) return -1;
    const first = s.charCodeAt(i);
    if (first === Char.Zero) i++;
    else if (first >= Char.One && first <= Char.Nine) i = this.skipDigits(i + 1);
    else return -1;
    if (i < n && s.charCodeAt(i) === Char.Dot) {
      const after = this.skipDigits(i + 1);
      if (after === i + 1) return -1;
      i = after;
    }
    const e = i < n ? s.charCodeAt(i) : 0;
    if (e === Char.LowerE || e === Char.UpperE) {
      i++;
      const sign = i < n ? s.charCodeAt(i) : 0;
      if (sign === Char.Plus || sign === Char.Minus) i++;
      const after = this.skipDigits(i);
      if (after === i) return -1;
      i = after;
    }
    return i;
  }
}
