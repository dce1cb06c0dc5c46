/**
 * Cuts text into segments the BPE can count in linear time.
 *
 * gpt-tokenizer's merge loop is quadratic in the length of one pre-tokenizer piece, and a piece has
 * no length limit: 100 KiB of one letter is one piece (7 s). So no segment may hold an unbroken run
 * longer than `maxRunBytes`. Cuts are placed where the pre-tokenizer of o200k_base and cl100k_base
 * always ends a piece, so ordinary text counts exactly as if it were counted whole:
 *   - before a space or tab that follows a non-space (" word" pieces start at the space);
 *   - between an ASCII letter/digit and ASCII punctuation other than `'` (letter and digit pieces
 *     hold only letters/digits; the apostrophe starts contractions such as "it's").
 * Only a run with no such place for `maxRunBytes` (one letter repeated, random letters, a long
 * whitespace run, unpunctuated CJK) is cut mid-run; each such cut adds at most about one token,
 * under 1 % at 256 bytes (random letters: ~130 tokens per cut). Segments also end at the first
 * exact place past `segmentChars`, so a counter can check its time budget between them.
 */

export interface SegmentLimits {
  /** Longest run the BPE sees, in UTF-8 bytes (approximate: any non-ASCII code unit counts 3). */
  maxRunBytes: number;
  /** A segment ends at the first exact cut past this many UTF-16 code units. */
  segmentChars: number;
}

/** 256 bytes: a piece costs ≤ ~1 ms to merge, and a cut mid-run errs by ≤ ~1 token in 130. */
export const DEFAULT_LIMITS: SegmentLimits = { maxRunBytes: 256, segmentChars: 2048 };

const isSpace = (c: number): boolean =>
  c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
const isAsciiAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAsciiPunct = (c: number): boolean => c > 0x20 && c < 0x7f && c !== 0x27 && !isAsciiAlnum(c);

/**
 * The end offsets of the segments of `text` (the last is `text.length`; none for ''). Linear: one
 * pass over the code units.
 */
export function segmentEnds(text: string, limits: SegmentLimits = DEFAULT_LIMITS): number[] {
  const ends: number[] = [];
  const n = text.length;
  let start = 0;
  // Weighted length since the last exact cut place: no BPE piece can be longer than this.
  let run = 0;
  let previous = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const exact = i > start && ((c === 0x20 || c === 0x09) && !isSpace(previous) ? true : isAsciiAlnum(previous) && isAsciiPunct(c));
    const weight = c < 0x80 ? 1 : 3;
    if (exact) {
      run = 0;
      if (i - start >= limits.segmentChars) {
        ends.push(i);
        start = i;
      }
    } else if (run + weight > limits.maxRunBytes) {
      // Never between the halves of a surrogate pair: the BPE would see two U+FFFD.
      const cut = c >= 0xdc00 && c <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff ? i - 1 : i;
      ends.push(cut);
      start = cut;
      run = cut === i ? 0 : 3;
    }
    run += weight;
    previous = c;
  }
  if (n > 0) ends.push(n);
  return ends;
}
