import type { CopilotModel } from './models.js';

/**
 * Maps the model ids clients send onto the ids CAPI `/models` lists, for every route. Anthropic
 * clients send `claude-sonnet-4-5-20250929`, `claude-3-5-haiku-latest`, `claude-opus-4-1`,
 * `claude-sonnet-4-5[1m]`; OpenAI ones `gpt-4o-2024-11-20`, `GPT-4.1`, `openai/gpt-4.1`. Order: exact
 * id; case-insensitive; the same Claude family + version (+ variant); a generic normalisation
 * (provider prefix, `[…]`, dates, `-latest`, `-vN:M`, dashes between digits → dots); finally, for
 * a Claude family, an OLDER requested version is upgraded to the newest one Copilot serves (Claude
 * Code still asks for `claude-3-5-haiku-…` as its small model). A newer-than-available or unknown
 * id is not found, with close matches for the 404.
 *
 * The requested id is caller input: everything here is linear in its length, suffixes are matched
 * on a bounded tail, and ids longer than MAX_MODEL_ID_LENGTH are refused before any of it (RT-08: a
 * `/\[[^\]]*\]$/` on 40 000 `[` once blocked the event loop for 3.8 s).
 */

export type ModelResolution =
  | { found: true; model: CopilotModel; via: 'exact' | 'alias' | 'family-upgrade' }
  | { found: false; suggestions: string[] };

/** Which models a route serves: generation routes resolve among chat models, `/embeddings` among embedding ones. */
export type ModelKind = 'chat' | 'embeddings';

/** Longest model id accepted (Copilot's are under 64 characters; Anthropic's dated ones under 40). */
export const MAX_MODEL_ID_LENGTH = 256;

/** Why a request's `model` can't be used as a model id, or null when it can. */
export function modelIdProblem(model: unknown): string | null {
  if (typeof model !== 'string' || model.trim() === '') return 'The request body needs a "model" string.';
  if (model.length > MAX_MODEL_ID_LENGTH) return `The model id is ${model.length} characters long; model ids are at most ${MAX_MODEL_ID_LENGTH}.`;
  return null;
}

const FAMILIES = ['haiku', 'sonnet', 'opus'] as const;
const PROVIDER_PREFIXES = ['anthropic/', 'anthropic.', 'openai/', 'github-copilot/', 'copilot/'];
// Applied to the last TAIL characters only, so their cost doesn't grow with the id.
const TAIL = 24;
const BEDROCK_VERSION = /-v\d{1,4}(?::\d{1,4})?$/;
const DATE = /-(?:\d{8}|\d{4}-\d{2}-\d{2})$/;

interface ClaudeKey {
  family: string;
  /** Numeric version like 4.5, 3.7, 4. */
  version: number;
  variant: string;
}

function withoutSuffix(id: string, pattern: RegExp): string {
  const tail = id.slice(-TAIL);
  const match = pattern.exec(tail);
  return match ? id.slice(0, id.length - match[0].length) : id;
}

function stripDecorations(id: string): string {
  let s = id.trim().toLowerCase();
  const prefix = PROVIDER_PREFIXES.find((p) => s.startsWith(p));
  if (prefix) s = s.slice(prefix.length);
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  // Claude Code marks the 1M-context variant as `claude-sonnet-4-5-20250929[1m]`.
  if (s.endsWith(']')) {
    const open = s.lastIndexOf('[');
    if (open >= 0) s = s.slice(0, open);
  }
  s = withoutSuffix(s, BEDROCK_VERSION);
  s = withoutSuffix(s, DATE);
  if (s.endsWith('-latest')) s = s.slice(0, -'-latest'.length);
  return s;
}

/** Parses both Anthropic and Copilot spellings of a Claude id; null for anything else. */
export function parseClaudeId(id: string): ClaudeKey | null {
  const base = stripDecorations(id);
  if (!base.startsWith('claude-')) return null;
  const parts = base.slice('claude-'.length).split('-');
  const familyIndex = parts.findIndex((p) => (FAMILIES as readonly string[]).includes(p));
  if (familyIndex < 0) return null;
  const family = parts[familyIndex]!;
  const numbers: string[] = [];
  const variant: string[] = [];
  parts.forEach((part, index) => {
    if (index === familyIndex) return;
    if (/^\d+(?:\.\d+)?$/.test(part)) numbers.push(part);
    else variant.push(part);
  });
  if (numbers.length === 0) return null;
  let version: number;
  if (numbers.length >= 2) version = Number(`${numbers[0]}.${numbers[1]}`);
  else {
    const only = numbers[0]!;
    // Copilot once spelled Opus 4.1 `claude-opus-41`: a bare two-digit number is major.minor.
    version = /^\d\d$/.test(only) ? Number(`${only[0]}.${only[1]}`) : Number(only);
  }
  if (!Number.isFinite(version)) return null;
  return { family, version, variant: variant.join('-') };
}

/** Generic spelling-insensitive form: no prefix, date, `-latest` or `[…]`, digits joined by dots. */
export function normaliseModelId(id: string): string {
  return stripDecorations(id).replace(/(\d)[-_](?=\d)/g, '$1.');
}

function ofKind(model: CopilotModel, kind: ModelKind): boolean {
  const type = model.capabilities?.type;
  return kind === 'chat' ? type === undefined || type === 'chat' : type === 'embeddings';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

/** Up to `limit` ids close to the requested one: same Claude family first, then by edit distance. */
export function closeMatches(requested: string, models: CopilotModel[], limit = 5, kind: ModelKind = 'chat'): string[] {
  if (requested.length > MAX_MODEL_ID_LENGTH) return [];
  const wanted = normaliseModelId(requested);
  const stem = wanted.split(/[-.]/)[0];
  const key = parseClaudeId(requested);
  const scored = models
    .filter((model) => ofKind(model, kind))
    .map((model) => {
      const other = parseClaudeId(model.id);
      const normalised = normaliseModelId(model.id);
      const sameFamily = key !== null && other !== null && other.family === key.family;
      return { id: model.id, sameFamily, sharesStem: stem === normalised.split(/[-.]/)[0], distance: editDistance(wanted, normalised) };
    });
  const threshold = Math.max(3, Math.ceil(wanted.length / 3));
  return scored
    .filter((s) => s.sameFamily || s.distance <= threshold || s.sharesStem)
    .sort((a, b) => Number(b.sameFamily) - Number(a.sameFamily) || a.distance - b.distance || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((s) => s.id);
}

function claudeAlias(requested: string, key: ClaudeKey, candidates: CopilotModel[]): ModelResolution | null {
  const keyed = candidates.map((model) => ({ model, key: parseClaudeId(model.id) })).filter((e): e is { model: CopilotModel; key: ClaudeKey } => e.key !== null);
  const same = keyed.find((e) => e.key.family === key.family && e.key.version === key.version && e.key.variant === key.variant);
  if (same) return { found: true, model: same.model, via: 'alias' };
  const wanted = normaliseModelId(requested);
  const generic = candidates.find((m) => normaliseModelId(m.id) === wanted);
  if (generic) return { found: true, model: generic, via: 'alias' };
  if (key.variant !== '') return null;
  const newest = keyed.filter((e) => e.key.family === key.family && e.key.variant === '').sort((a, b) => b.key.version - a.key.version)[0];
  // Only upgrade an older request; a version newer than anything Copilot lists is not found.
  return newest && newest.key.version > key.version ? { found: true, model: newest.model, via: 'family-upgrade' } : null;
}

export function resolveModel(requested: string, models: CopilotModel[], options: { kind?: ModelKind } = {}): ModelResolution {
  if (requested.length > MAX_MODEL_ID_LENGTH) return { found: false, suggestions: [] };
  const exact = models.find((m) => m.id === requested);
  if (exact) return { found: true, model: exact, via: 'exact' };
  const lower = requested.toLowerCase();
  const insensitive = models.find((m) => m.id.toLowerCase() === lower);
  if (insensitive) return { found: true, model: insensitive, via: 'alias' };

  const kind = options.kind ?? 'chat';
  const candidates = models.filter((model) => ofKind(model, kind));
  const key = kind === 'chat' ? parseClaudeId(requested) : null;
  const aliased = key ? claudeAlias(requested, key, candidates) : null;
  if (aliased) return aliased;
  if (!key) {
    const wanted = normaliseModelId(requested);
    const generic = candidates.find((m) => normaliseModelId(m.id) === wanted);
    if (generic) return { found: true, model: generic, via: 'alias' };
  }
  return { found: false, suggestions: closeMatches(requested, models, 5, kind) };
}

/** The 404 message for an unknown model (both dialects). */
export function modelNotFoundMessage(requested: string, suggestions: string[]): string {
  const hint = suggestions.length > 0 ? ` Close matches: ${suggestions.join(', ')}.` : '';
  return `model: ${requested} is not available through GitHub Copilot.${hint} GET /v1/models lists the models your account can use.`;
}
