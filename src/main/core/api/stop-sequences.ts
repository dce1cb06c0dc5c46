import type { IrEvent, IrResponse } from './ir.js';

/**
 * The relay enforces Anthropic `stop_sequences` itself: the text is cut before the first match and
 * the matched sequence is reported (`stop_reason: "stop_sequence"`), exactly like Anthropic. When
 * streaming, the last (longest sequence − 1) characters are held back so a sequence split across
 * chunks is still caught and never leaks to the client.
 */

export interface StopCut {
  text: string;
  sequence: string | null;
}

function firstMatch(text: string, sequences: readonly string[]): { at: number; sequence: string } | null {
  let best: { at: number; sequence: string } | null = null;
  for (const sequence of sequences) {
    if (!sequence) continue;
    const at = text.indexOf(sequence);
    if (at >= 0 && (best === null || at < best.at)) best = { at, sequence };
  }
  return best;
}

/** Whole-text variant (non-stream responses). */
export function cutAtStopSequence(text: string, sequences: readonly string[] | undefined): StopCut {
  if (!sequences || sequences.length === 0) return { text, sequence: null };
  const match = firstMatch(text, sequences);
  return match ? { text: text.slice(0, match.at), sequence: match.sequence } : { text, sequence: null };
}

/** Incremental variant: feed text deltas, emit what is safe to show. */
export class StopSequenceMatcher {
  private readonly sequences: string[];
  private readonly holdback: number;
  private pending = '';
  matched: string | null = null;

  constructor(sequences: readonly string[] | undefined) {
    this.sequences = (sequences ?? []).filter((s) => typeof s === 'string' && s.length > 0);
    this.holdback = this.sequences.reduce((max, s) => Math.max(max, s.length - 1), 0);
  }

  get active(): boolean {
    return this.sequences.length > 0;
  }

  /** Returns the text that can be emitted now (possibly ''); after a match, always ''. */
  push(delta: string): string {
    if (this.matched !== null) return '';
    if (!this.active) return delta;
    this.pending += delta;
    const match = firstMatch(this.pending, this.sequences);
    if (match) {
      this.matched = match.sequence;
      const out = this.pending.slice(0, match.at);
      this.pending = '';
      return out;
    }
    const safe = Math.max(0, this.pending.length - this.holdback);
    const out = this.pending.slice(0, safe);
    this.pending = this.pending.slice(safe);
    return out;
  }

  /** The held-back tail at the end of the text (no match can complete any more). */
  flush(): string {
    const out = this.matched === null ? this.pending : '';
    this.pending = '';
    return out;
  }
}

/**
 * Stop sequences enforced by the relay on a translated stream (when the upstream can't, or can't
 * say which one matched): text events pass through the matcher; on a match the stream finishes
 * with `stop_sequence` and everything after it is dropped (the caller then stops reading upstream).
 */
export class StopFilter {
  private readonly matcher: StopSequenceMatcher;
  private ended = false;

  constructor(sequences: readonly string[]) {
    this.matcher = new StopSequenceMatcher(sequences);
  }

  /** True once a sequence matched (the answer is complete). */
  get stopped(): boolean {
    return this.matcher.matched !== null;
  }

  apply(events: IrEvent[]): IrEvent[] {
    if (this.ended) return [];
    const out: IrEvent[] = [];
    for (const event of events) {
      if (event.type === 'text') {
        const safe = this.matcher.push(event.text);
        if (safe) out.push({ type: 'text', text: safe });
        if (this.matcher.matched !== null) {
          this.ended = true;
          out.push({ type: 'finish', reason: 'stop_sequence', stopSequence: this.matcher.matched });
          break;
        }
        continue;
      }
      // Any other event breaks the text: what was held back can no longer start a match.
      const tail = event.type === 'usage' ? '' : this.matcher.flush();
      if (tail) out.push({ type: 'text', text: tail });
      if (event.type === 'finish' || event.type === 'error') this.ended = true;
      out.push(event);
    }
    return out;
  }
}

/** Non-stream variant: cuts the answer's text at the first stop sequence. */
export function applyStopSequences(response: IrResponse, sequences: readonly string[] | undefined): IrResponse {
  if (!sequences || sequences.length === 0) return response;
  const text = response.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');
  const cut = cutAtStopSequence(text, sequences);
  if (cut.sequence === null) return response;
  const reasoning = response.content.filter((p) => p.type === 'reasoning');
  return {
    ...response,
    content: [...reasoning, ...(cut.text ? [{ type: 'text' as const, text: cut.text }] : [])],
    stopReason: 'stop_sequence',
    stopSequence: cut.sequence,
  };
}
