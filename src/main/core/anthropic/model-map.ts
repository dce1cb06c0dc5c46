import type { CopilotModel } from '../copilot/models.js';

/**
 * Maps the model ids Anthropic clients send (`claude-sonnet-4-5-20250929`, `claude-3-5-haiku-latest`,
 * `claude-opus-4-1`) onto the ids CAPI `/models` lists (`claude-sonnet-4.5`, `claude-opus-41`…).
 * Order: exact id; case-insensitive; the same Claude family + version (+ variant); a generic
 * normalisation (dates, `-latest`, dashes between digits → dots); finally, for a Claude family,
 * an OLDER requested version is upgraded to the newest one Copilot serves (Claude Code still asks
 * for `claude-3-5-haiku-…` as its small model). A newer-than-available or unknown id is not found.
 */

export type ModelResolution =
  | { found: true; model: CopilotModel; via: 'exact' | 'alias' | 'family-upgrade' }
  | { found: false; suggestions: string[] };

const FAMILIES = ['haiku', 'sonnet', 'opus'] as const;

interface ClaudeKey {
  family: string;
  /** Numeric version like 4.5, 3.7, 4. */
  version: number;
  variant: string;
}

function stripDecorations(id: string): string {
  return id
    .toLowerCase()
    .trim()
    .replace(/^anthropic[/.]/, '')
    .replace(/@.*$/, '')
    // Claude Code marks the 1M-context variant as `claude-sonnet-4-5-20250929[1m]`.
    .replace(/\[[^\]]*\]$/, '')
    .replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '')
    .replace(/-latest$/, '')
    .replace(/-v\d+(?::\d+)?$/, '');
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

/** Generic spelling-insensitive form: no date/`-latest`, digits joined by dots. */
export function normaliseModelId(id: string): string {
  return stripDecorations(id).replace(/(\d)[-_](?=\d)/g, '$1.');
}

function isChatModel(model: CopilotModel): boolean {
  const type = model.capabilities?.type;
  return type === undefined || type === 'chat';
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
export function closeMatches(requested: string, models: CopilotModel[], limit = 5): string[] {
  const wanted = normaliseModelId(requested);
  const key = parseClaudeId(requested);
  const scored = models.filter(isChatModel).map((model) => {
    const other = parseClaudeId(model.id);
    const sameFamily = key !== null && other !== null && other.family === key.family;
    const sharesStem = wanted.split(/[-.]/)[0] === normaliseModelId(model.id).split(/[-.]/)[0];
    return { id: model.id, sameFamily, sharesStem, distance: editDistance(wanted, normaliseModelId(model.id)) };
  });
  const threshold = Math.max(3, Math.ceil(wanted.length / 3));
  return scored
    .filter((s) => s.sameFamily || s.distance <= threshold || s.sharesStem)
    .sort((a, b) => Number(b.sameFamily) - Number(a.sameFamily) || a.distance - b.distance || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((s) => s.id);
}

export function resolveModel(requested: string, models: CopilotModel[]): ModelResolution {
  const exact = models.find((m) => m.id === requested);
  if (exact) return { found: true, model: exact, via: 'exact' };
  const lower = requested.toLowerCase();
  const insensitive = models.find((m) => m.id.toLowerCase() === lower);
  if (insensitive) return { found: true, model: insensitive, via: 'alias' };

  const chat = models.filter(isChatModel);
  const key = parseClaudeId(requested);
  if (key) {
    const keyed = chat.map((model) => ({ model, key: parseClaudeId(model.id) })).filter((e): e is { model: CopilotModel; key: ClaudeKey } => e.key !== null);
    const same = keyed.find((e) => e.key.family === key.family && e.key.version === key.version && e.key.variant === key.variant);
    if (same) return { found: true, model: same.model, via: 'alias' };
    const wanted = normaliseModelId(requested);
    const generic = chat.find((m) => normaliseModelId(m.id) === wanted);
    if (generic) return { found: true, model: generic, via: 'alias' };
    if (key.variant === '') {
      const newest = keyed.filter((e) => e.key.family === key.family && e.key.variant === '').sort((a, b) => b.key.version - a.key.version)[0];
      // Only upgrade an older request; a version newer than anything Copilot lists is not found.
      if (newest && newest.key.version > key.version) return { found: true, model: newest.model, via: 'family-upgrade' };
    }
  } else {
    const wanted = normaliseModelId(requested);
    const generic = chat.find((m) => normaliseModelId(m.id) === wanted);
    if (generic) return { found: true, model: generic, via: 'alias' };
  }
  return { found: false, suggestions: closeMatches(requested, models) };
}

/** The `not_found_error` message for an unknown model. */
export function modelNotFoundMessage(requested: string, suggestions: string[]): string {
  const hint = suggestions.length > 0 ? ` Close matches: ${suggestions.join(', ')}.` : '';
  return `model: ${requested} is not available through GitHub Copilot.${hint} GET /v1/models lists the models your account can use.`;
}
