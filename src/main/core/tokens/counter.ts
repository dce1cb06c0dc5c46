import type { Encoder } from './encoders.js';
import { DEFAULT_LIMITS, segmentEnds } from './segments.js';
import type { SegmentLimits } from './segments.js';

/**
 * A token count and how it was made: `counted` by BPE (segments.ts: exact for ordinary text),
 * `sampled` (the time budget ran out: the uncounted part was extrapolated from a spread-out sample),
 * or `rough` (nothing could be counted: see ROUGH_BYTES_PER_TOKEN).
 */
export interface TextCount {
  tokens: number;
  basis: 'counted' | 'sampled' | 'rough';
}

/** Text that merely looks like a special token (`<|endoftext|>`) is counted as plain text. */
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * The last-resort estimate, used only when nothing could be counted (the counting worker could not
 * start, or its answer is long overdue): one token per 3 UTF-8 bytes. Real BPE counts run at ~4 bytes
 * per token for English prose and code (so this errs high there, and clients compact early rather
 * than late), ~1.5–2 for base64 and random letters, ~3 for CJK.
 */
export const ROUGH_BYTES_PER_TOKEN = 3;

export function roughTokens(texts: readonly string[]): number {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return Math.ceil(bytes / ROUGH_BYTES_PER_TOKEN);
}

/**
 * Visiting order of `n` segments: bit-reversed indexes (0, n/2, n/4, 3n/4, …), so whatever was
 * counted when the budget ran out is an evenly spread sample of the whole input, not its beginning.
 */
function* spreadOrder(n: number): Generator<number> {
  let bits = 0;
  while (1 << bits < n) bits++;
  for (let k = 0; k < 1 << bits; k++) {
    let reversed = 0;
    for (let bit = 0; bit < bits; bit++) if (k & (1 << bit)) reversed |= 1 << (bits - 1 - bit);
    if (reversed < n) yield reversed;
  }
}

export interface CountOptions {
  /** Epoch ms (default: none). */
  deadline?: number;
  /** Counting time granted after the text is segmented even when the deadline has passed (a job that waited). */
  minSliceMs?: number;
  limits?: SegmentLimits;
  /** The clock the deadline is checked against (tests). */
  now?: () => number;
}

/**
 * Counts `texts` segment by segment (linear time, see segments.ts). With a `deadline` it stops when
 * the clock passes it and extrapolates the uncounted segments at the tokens-per-character rate of
 * the counted ones. Synchronous: the proxy runs it on a worker thread (count-pool.ts).
 */
export function countTexts(encoder: Encoder, texts: readonly string[], options: CountOptions = {}): TextCount {
  const { limits = DEFAULT_LIMITS, now = Date.now } = options;
  const owner: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let totalChars = 0;
  texts.forEach((text, index) => {
    let start = 0;
    for (const end of segmentEnds(text, limits)) {
      owner.push(index);
      starts.push(start);
      ends.push(end);
      start = end;
    }
    totalChars += text.length;
  });

  const deadline = options.deadline === undefined ? Infinity : Math.max(options.deadline, now() + (options.minSliceMs ?? 0));
  let tokens = 0;
  let countedChars = 0;
  for (const i of spreadOrder(owner.length)) {
    if (deadline !== Infinity && now() > deadline) return extrapolate(texts, tokens, countedChars, totalChars);
    tokens += encoder.countTokens(texts[owner[i]!]!.slice(starts[i], ends[i]), PLAIN);
    countedChars += ends[i]! - starts[i]!;
  }
  return { tokens, basis: 'counted' };
}

function extrapolate(texts: readonly string[], tokens: number, countedChars: number, totalChars: number): TextCount {
  if (countedChars === 0) return { tokens: roughTokens(texts), basis: 'rough' };
  return { tokens: tokens + Math.ceil(((totalChars - countedChars) * tokens) / countedChars), basis: 'sampled' };
}
