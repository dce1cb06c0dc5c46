import type { Database } from './ledger-db.js';
import type { LedgerRow } from './ledger.js';

/** What `usage` sums: requests, tokens, AI credits and errors (4xx/5xx, not a caller who left: 499). */
export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  credits: number;
  errors: number;
  /** Premium requests (request-billed plans). */
  premiumRequests: number;
}

export interface UsageGroup extends UsageTotals {
  key: string;
}

export type GroupBy = 'model' | 'client' | 'day';

export const NO_MODEL = '(no model)';

const SUMS = `COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens,
  COALESCE(SUM(credits), 0) AS credits, COALESCE(SUM(CASE WHEN status >= 400 AND status <> 499 THEN 1 ELSE 0 END), 0) AS errors,
  COALESCE(SUM(premium_requests), 0) AS premiumRequests`;

const KEYS: Record<GroupBy, string> = {
  model: `COALESCE(model_served, model_requested, '${NO_MODEL}')`,
  client: 'client',
  // The local calendar day of the request (the process's time zone, like every time the CLI prints).
  day: "date(at / 1000, 'unixepoch', 'localtime')",
};

function toTotals(row: unknown): UsageTotals {
  const r = (row ?? {}) as Record<string, unknown>;
  const n = (name: string) => Number(r[name] ?? 0) || 0;
  return { requests: n('requests'), inputTokens: n('inputTokens'), outputTokens: n('outputTokens'), credits: n('credits'), errors: n('errors'), premiumRequests: n('premiumRequests') };
}

export function totalsSince(db: Database, sinceMs: number): UsageTotals {
  return toTotals(db.prepare(`SELECT ${SUMS} FROM requests WHERE at >= ?`).get(sinceMs));
}

/** Groups ordered by credits, then requests (days: oldest first). */
export function groupsSince(db: Database, sinceMs: number, by: GroupBy): UsageGroup[] {
  const order = by === 'day' ? 'key ASC' : 'credits DESC, requests DESC, key ASC';
  const rows = db.prepare(`SELECT ${KEYS[by]} AS key, ${SUMS} FROM requests WHERE at >= ? GROUP BY key ORDER BY ${order}`).all(sinceMs);
  return rows.map((row) => ({ key: String((row as { key: unknown }).key), ...toTotals(row) }));
}

export function creditsSince(db: Database, sinceMs: number): number {
  const row = db.prepare('SELECT COALESCE(SUM(credits), 0) AS credits FROM requests WHERE at >= ?').get(sinceMs) as { credits?: unknown } | undefined;
  return Number(row?.credits ?? 0) || 0;
}

const COLUMNS = `at, request_id AS requestId, client, client_api AS clientApi, upstream_endpoint AS upstreamEndpoint, method, path,
  model_requested AS modelRequested, model_served AS modelServed, status, error_code AS errorCode, latency_ms AS latencyMs,
  ttfb_ms AS firstByteMs, input_tokens AS inputTokens, output_tokens AS outputTokens, cached_tokens AS cachedTokens, credits,
  credits_source AS creditsSource, premium_requests AS premiumRequests, initiator, stream`;

/** The newest rows first. */
export function recentRows(db: Database, limit: number): LedgerRow[] {
  return db.prepare(`SELECT ${COLUMNS} FROM requests ORDER BY at DESC, id DESC LIMIT ?`).all(limit).map((row) => {
    const r = row as Record<string, unknown>;
    const out = {} as Record<string, unknown>;
    for (const key of Object.keys(r)) if (key !== '_metadata') out[key] = r[key];
    out.stream = r.stream === 1;
    return out as unknown as LedgerRow;
  });
}

/** Adds rows not yet in the database (the writer's queue) to totals. */
export function addRows(totals: UsageTotals, rows: readonly LedgerRow[], sinceMs: number): UsageTotals {
  const out = { ...totals };
  for (const row of rows) {
    if (row.at < sinceMs) continue;
    out.requests++;
    out.inputTokens += row.inputTokens ?? 0;
    out.outputTokens += row.outputTokens ?? 0;
    out.credits += row.credits ?? 0;
    out.premiumRequests += row.premiumRequests ?? 0;
    if (row.status >= 400 && row.status !== 499) out.errors++;
  }
  return out;
}
