import type { Refusal, UpstreamAnswer } from './observer.js';
import { parseResetValue, parseRetryAfter, resetPhrase } from './reset-time.js';

/**
 * Copilot's rate limits and credit stops as the relay last saw them: `x-usage-ratelimit-<name>`
 * headers on every answer (VS Code reads `-session` and `-weekly`, URL-encoded like the quota
 * snapshot: `ent=0&ov=0.0&ovPerm=false&rem=99.6&rst=2026-04-22T14%3A30%3A56Z`, rem = % left; names
 * and units UNCERTAIN, so any name and a few spellings are kept), 429 codes, and 402 "out of AI
 * credits". From these it builds the refusal the caller sees instead of Copilot's bare error.
 */
export interface LimitState {
  /** `session`, `weekly`, `global`, `integration`, `rate`, `credits`, `model:<id>`, or a header's own name. */
  name: string;
  /** Percent of the limit used (0–100), when Copilot said. */
  usedPercent: number | null;
  /** Epoch ms of the next reset, when known. */
  resetsAt: number | null;
  /** True from a 429/402 naming this limit until its reset passes or an answer succeeds again. */
  reached: boolean;
  /** The code of the refusal that reached it. */
  code: string | null;
  /** Epoch ms when this state last changed (a header repeating its value is not a change). */
  seenAt: number;
}

const PREFIX = 'x-usage-ratelimit-';

/** 429 codes that name a limit (copilot-protocol.md, "2026 changes"). */
const CODE_LIMITS: Record<string, string> = {
  user_weekly_rate_limited: 'weekly',
  user_global_rate_limited: 'global',
  user_model_rate_limited: 'model',
  integration_rate_limited: 'integration',
  rate_limited: 'rate',
};

/** 402 codes (and the 2026 message) that mean "no AI credits / quota left". */
const CREDIT_CODES = new Set(['quota_exceeded', 'free_quota_exceeded', 'overage_limit_reached', 'billing_not_configured', 'out_of_credits', 'insufficient_credits']);

/** How a limit is named in sentences: "weekly limit", "rate limit for gpt-4o". */
export function limitLabel(name: string): string {
  switch (name) {
    case 'session':
      return '5-hour limit';
    case 'weekly':
      return 'weekly limit';
    case 'global':
      return 'account-wide rate limit';
    case 'integration':
      return 'rate limit for this kind of client';
    case 'rate':
      return 'rate limit';
    case 'credits':
      return 'AI credits';
    default:
      return name.startsWith('model:') ? `rate limit for ${name.slice(6)}` : `${name.replace(/[-_]/g, ' ')} limit`;
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function percent(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : null;
}

/** One `x-usage-ratelimit-<name>` value: `rem=…&rst=…` (or `used=`/`used_percent=`), JSON, or a bare percent left. */
export function parseLimitHeader(value: string): { usedPercent: number | null; resetsAt: number | null } {
  const text = value.trim();
  let fields: Record<string, string>;
  if (text.startsWith('{')) {
    try {
      fields = Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    } catch {
      fields = {};
    }
  } else if (text.includes('=')) {
    fields = Object.fromEntries(new URLSearchParams(text));
  } else {
    fields = { rem: text };
  }
  const used = percent(fields.used_percent ?? fields.usedPercent ?? fields.used ?? fields.pct);
  const remaining = percent(fields.rem ?? fields.remaining ?? fields.percent_remaining);
  return {
    usedPercent: used ?? (remaining === null ? null : Math.round((100 - remaining) * 10) / 10),
    resetsAt: parseResetValue(fields.rst ?? fields.reset ?? fields.resets_at ?? fields.reset_at ?? null),
  };
}

function errorFields(body: unknown): { code: string | null; message: string } {
  const root = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const inner = (root.error && typeof root.error === 'object' ? root.error : root) as Record<string, unknown>;
  const code = typeof inner.code === 'string' ? inner.code : typeof root.code === 'string' ? root.code : null;
  const message = typeof inner.message === 'string' ? inner.message : typeof root.message === 'string' ? root.message : '';
  return { code, message };
}

/** Refusals that say "wait hours" should stop SDK auto-retries; short waits may be retried. */
const RETRYABLE_WAIT_S = 60;

export class RateLimits {
  private readonly states = new Map<string, LimitState>();
  private readonly listeners = new Set<() => void>();
  /**
   * The last raw value of each `x-usage-ratelimit-*` header: Copilot repeats them on every answer,
   * mostly unchanged, and parsing two of them cost ≈ 4 µs per request (measured); a repeat is skipped.
   */
  private readonly lastHeader = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private update(name: string, patch: Partial<LimitState>): LimitState {
    const previous = this.states.get(name);
    const next: LimitState = {
      name,
      usedPercent: patch.usedPercent !== undefined ? patch.usedPercent : previous?.usedPercent ?? null,
      resetsAt: patch.resetsAt !== undefined ? patch.resetsAt : previous?.resetsAt ?? null,
      reached: patch.reached ?? previous?.reached ?? false,
      code: patch.code !== undefined ? patch.code : previous?.code ?? null,
      seenAt: this.now(),
    };
    this.states.set(name, next);
    return next;
  }

  /** Reads one upstream answer; returns the refusal to answer the caller with, or null to pass it on. */
  observe(answer: UpstreamAnswer): Refusal | null {
    const now = this.now();
    let touched = false;
    const headers = answer.headers;
    // Names as node:http and undici hand them: lower-cased.
    for (const name in headers) {
      if (!name.startsWith(PREFIX)) continue;
      const value = headerValue(headers[name]);
      if (value === null || this.lastHeader.get(name) === value) continue;
      this.lastHeader.set(name, value);
      const limit = name.slice(PREFIX.length);
      const parsed = parseLimitHeader(value);
      this.update(limit, { usedPercent: parsed.usedPercent, resetsAt: parsed.resetsAt ?? this.states.get(limit)?.resetsAt ?? null });
      touched = true;
    }
    if (answer.status < 400) {
      // Copilot answered: whatever was reached is not (or no longer) in the way.
      for (const state of this.states.values()) {
        if (!state.reached) continue;
        if (state.name.startsWith('model:') && state.name !== `model:${answer.model}`) continue;
        this.update(state.name, { reached: false });
        touched = true;
      }
      if (touched) this.changed();
      return null;
    }
    const refusal = answer.status === 429 ? this.rateLimited(answer, now) : answer.status === 402 ? this.outOfCredits(answer, now) : null;
    if (touched || refusal) this.changed();
    return refusal;
  }

  private rateLimited(answer: UpstreamAnswer, now: number): Refusal | null {
    const { code } = errorFields(answer.errorBody);
    let name = code ? CODE_LIMITS[code] ?? null : null;
    if (!name) {
      // No code that names a limit: a header limit at (or over) 100 % is the one.
      const full = [...this.states.values()].find((s) => s.usedPercent !== null && s.usedPercent >= 100 && !s.name.startsWith('model:'));
      if (!full) return null; // e.g. model_overloaded: Copilot's own words are clearer than ours
      name = full.name;
    }
    if (name === 'model') name = `model:${answer.model ?? 'this model'}`;
    const retryAt = parseRetryAfter(answer.headers['retry-after'], now);
    const state = this.update(name, { reached: true, code: code ?? 'rate_limited', resetsAt: retryAt ?? this.states.get(name)?.resetsAt ?? null });
    return this.refusal(state, 429, now);
  }

  private outOfCredits(answer: UpstreamAnswer, now: number): Refusal | null {
    const { code, message } = errorFields(answer.errorBody);
    if (!(code && CREDIT_CODES.has(code)) && !/ai credits|quota/i.test(message)) return null;
    const retryAt = parseRetryAfter(answer.headers['retry-after'], now);
    const state = this.update('credits', { reached: true, code: code ?? 'out_of_credits', resetsAt: retryAt ?? this.states.get('credits')?.resetsAt ?? null, usedPercent: 100 });
    return this.refusal(state, 402, now);
  }

  private refusal(state: LimitState, status: number, now: number): Refusal {
    const when = resetPhrase(state.resetsAt, now);
    const message = state.name === 'credits'
      ? `You have run out of Copilot AI credits for this period${when ? `; ${when}` : ''}. Add credits or raise your budget on GitHub to continue.`
      : `Copilot's ${limitLabel(state.name)} is reached; ${when || 'try again later'}.`;
    const retryAfterSec = state.resetsAt === null ? undefined : Math.max(1, Math.ceil((state.resetsAt - now) / 1000));
    return { status, code: state.code ?? 'rate_limited', message, retryAfterSec, shouldRetry: status === 429 && retryAfterSec !== undefined && retryAfterSec <= RETRYABLE_WAIT_S };
  }

  /** Every limit seen, reached first, then by name. A reached limit whose reset passed is shown as not reached. */
  snapshot(): LimitState[] {
    const now = this.now();
    return [...this.states.values()]
      .map((s) => (s.reached && s.resetsAt !== null && s.resetsAt <= now ? { ...s, reached: false } : s))
      .sort((a, b) => Number(b.reached) - Number(a.reached) || a.name.localeCompare(b.name));
  }

  /** The limit in the way right now (the tray's rate-limited state), or null. */
  reached(): LimitState | null {
    return this.snapshot().find((s) => s.reached) ?? null;
  }
}
