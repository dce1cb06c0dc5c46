/** Deterministic text helpers shared by the fake answers. */

export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** Text of a message content: a string, or the text parts of a parts/blocks array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      if (typeof part === 'string') return part;
      if (!part || typeof part !== 'object') return '';
      const p = part as Record<string, unknown>;
      if (typeof p['text'] === 'string') return p['text'];
      if (p['type'] === 'tool_result') return textOf(p['content']);
      return '';
    })
    .filter((t) => t.length > 0)
    .join(' ');
}

/** Rough token count of a request: every string value, split on whitespace. */
export function roughTokens(value: unknown): number {
  if (typeof value === 'string') return words(value).length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + roughTokens(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + roughTokens(v), 0);
  return 0;
}

/** Cuts at the earliest stop string; returns which one matched. */
export function applyStop(text: string, stop: unknown): { text: string; matched: string | null } {
  const stops = (Array.isArray(stop) ? stop : [stop]).filter((s): s is string => typeof s === 'string' && s.length > 0);
  let cut = -1;
  let matched: string | null = null;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      matched = s;
    }
  }
  return cut < 0 ? { text, matched: null } : { text: text.slice(0, cut), matched };
}

/** Keeps the first `limit` words when the text is longer. */
export function truncateWords(text: string, limit: unknown): { text: string; truncated: boolean } {
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return { text, truncated: false };
  const all = words(text);
  if (limit >= all.length) return { text, truncated: false };
  return { text: all.slice(0, Math.max(0, Math.floor(limit))).join(' '), truncated: true };
}

/** Splits text into at most `n` contiguous non-empty pieces (split on word boundaries when possible). */
export function splitPieces(text: string, n: number): string[] {
  if (text === '') return [];
  const count = Math.max(1, Math.floor(n));
  const tokens = text.split(/(?<=\s)/);
  const units = tokens.length >= count ? tokens : [...text];
  const parts = Math.min(count, units.length);
  const pieces: string[] = [];
  for (let i = 0; i < parts; i++) {
    pieces.push(units.slice(Math.floor((i * units.length) / parts), Math.floor(((i + 1) * units.length) / parts)).join(''));
  }
  return pieces;
}

export function hasImagePart(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasImagePart);
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (v['type'] === 'image_url' || v['type'] === 'input_image' || v['type'] === 'image') return true;
  return Object.values(v).some((x) => typeof x === 'object' && hasImagePart(x));
}
