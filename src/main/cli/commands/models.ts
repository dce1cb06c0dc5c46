import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { openRuntime } from '../runtime.js';
import type { RuntimeOptions } from '../runtime.js';
import { CopilotClient } from '../../core/copilot/client.js';
import { ModelCatalog, isListedByDefault, isPolicyEnabled } from '../../core/copilot/models.js';
import type { CopilotModel } from '../../core/copilot/models.js';
import { resolveModel } from '../../core/copilot/model-resolve.js';
import { RelayError } from '../../core/errors.js';

/** One model as `models --json` prints it. */
export interface ModelJson {
  id: string;
  name: string | null;
  vendor: string | null;
  type: string | null;
  contextWindow: number | null;
  maxPromptTokens: number | null;
  maxOutputTokens: number | null;
  endpoints: string[];
  billing: { premium: boolean | null; multiplier: number | null; tokenPrices: Record<string, unknown> | null };
  /** `enabled`, `requires_consent`, … (null: no policy, usable). */
  policy: string | null;
  /** Shown in `/v1/models` (false: an internal/utility model, usable by id). */
  listed: boolean;
}

export function toModelJson(model: CopilotModel): ModelJson {
  const limits = model.capabilities?.limits;
  return {
    id: model.id,
    name: model.name ?? null,
    vendor: model.vendor ?? null,
    type: model.capabilities?.type ?? null,
    contextWindow: limits?.max_context_window_tokens ?? null,
    maxPromptTokens: limits?.max_prompt_tokens ?? null,
    maxOutputTokens: limits?.max_output_tokens ?? null,
    // No supported_endpoints means chat completions only (copilot-protocol.md §7).
    endpoints: model.supported_endpoints ?? ['/chat/completions'],
    billing: { premium: model.billing?.is_premium ?? null, multiplier: model.billing?.multiplier ?? null, tokenPrices: model.billing?.token_prices ?? null },
    policy: model.policy?.state ?? null,
    listed: isListedByDefault(model),
  };
}

function tokens(count: number | null): string {
  if (count === null) return '—';
  if (count >= 1_000_000) return `${Number((count / 1_000_000).toFixed(2))}M`;
  return count >= 1000 ? `${Math.round(count / 1000)}k` : String(count);
}

const ENDPOINT_NAMES: Readonly<Record<string, string>> = { '/chat/completions': 'chat', '/responses': 'responses', 'ws:/responses': 'responses-ws', '/v1/messages': 'messages', '/embeddings': 'embeddings' };

/** AI credits per `batch_size` tokens (1 credit = $0.01), shown in dollars per million tokens. */
function tokenPriceText(prices: Record<string, unknown> | null): string | null {
  const tier = prices?.default;
  const batch = prices?.batch_size;
  if (!tier || typeof tier !== 'object' || typeof batch !== 'number' || batch <= 0) return null;
  const { input_price: input, output_price: output } = tier as Record<string, unknown>;
  if (typeof input !== 'number' || typeof output !== 'number') return null;
  const perMillion = (credits: number) => `$${((credits / 100) * (1_000_000 / batch)).toFixed(2)}`;
  return `${perMillion(input)}/${perMillion(output)} per M`;
}

function billingText(model: ModelJson): string {
  const parts: string[] = [];
  if (model.billing.multiplier !== null) parts.push(`${model.billing.multiplier}×`);
  const prices = tokenPriceText(model.billing.tokenPrices);
  if (prices) parts.push(prices);
  return parts.join(', ') || '—';
}

function table(models: ModelJson[]): string {
  const header = ['ID', 'VENDOR', 'CONTEXT', 'OUTPUT', 'ENDPOINTS', 'BILLING', 'POLICY'];
  const rows = models.map((m) => [
    m.listed ? m.id : `${m.id} (hidden)`,
    m.vendor ?? '—',
    tokens(m.contextWindow ?? m.maxPromptTokens),
    tokens(m.maxOutputTokens),
    m.endpoints.map((e) => ENDPOINT_NAMES[e] ?? e).join(', '),
    billingText(m),
    m.policy === null || m.policy === 'enabled' ? m.policy ?? '—' : `${m.policy} → copilot-relay models enable ${m.id}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

const USAGE = 'Usage: copilot-relay models [--json] | copilot-relay models enable <id>';

/** `copilot-relay models [--json]` and `copilot-relay models enable <id>`. */
export async function run(ctx: CliContext, inject: Pick<RuntimeOptions, 'store' | 'logger' | 'fetch'> = {}): Promise<number> {
  const { values, positionals } = parseArgs({ args: ctx.argv, options: { json: { type: 'boolean', default: false }, 'insecure-storage': { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  const [action, id, ...extra] = positionals;
  if ((action !== undefined && action !== 'enable') || (action === 'enable' && (id === undefined || extra.length > 0 || values.json))) {
    writeLine(ctx.stderr, USAGE);
    return 2;
  }
  const runtime = openRuntime(ctx, { logLevel: 'warn', ...inject, insecureStorage: values['insecure-storage'] });
  const copilot = new CopilotClient({ sessions: runtime.tokens, logger: runtime.logger, caFile: runtime.settings.get('extraCaCertsFile') });
  const catalog = new ModelCatalog({ copilot, logger: runtime.logger });
  try {
    const models = await catalog.list(ctx.signal);
    if (action === 'enable') return await enable(ctx, catalog, models, id!);
    const rows = models.map(toModelJson);
    if (values.json) {
      writeLine(ctx.stdout, JSON.stringify({ models: rows }));
      return 0;
    }
    writeLine(ctx.stdout, table(rows));
    if (rows.some((m) => !m.listed)) writeLine(ctx.stdout, '\n(hidden): internal/utility models, left out of /v1/models (add ?all=true) but usable by id.');
    if (rows.some((m) => m.policy !== null && m.policy !== 'enabled')) {
      writeLine(ctx.stdout, 'Models whose policy is not enabled need your consent first: `copilot-relay models enable <id>` accepts their terms for your GitHub account.');
    }
    return 0;
  } finally {
    runtime.close();
    await copilot.close();
  }
}

async function enable(ctx: CliContext, catalog: ModelCatalog, models: CopilotModel[], requested: string): Promise<number> {
  const resolution = resolveModel(requested, models);
  if (!resolution.found) {
    const hint = resolution.suggestions.length > 0 ? ` Close matches: ${resolution.suggestions.join(', ')}.` : '';
    throw new RelayError('config', `No model "${requested}" in your Copilot model list.${hint}`, { fix: 'Run `copilot-relay models` for the ids.' });
  }
  const model = resolution.model;
  if (isPolicyEnabled(model)) {
    writeLine(ctx.stdout, `${model.id} is already enabled.`);
    return 0;
  }
  await catalog.enablePolicy(model.id, ctx.signal);
  writeLine(ctx.stdout, `Enabled ${model.id} for your GitHub Copilot account${model.policy?.terms ? ` (terms: ${model.policy.terms.replace(/\.$/, '')})` : ''}.`);
  return 0;
}
