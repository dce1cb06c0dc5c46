import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { relayHome } from '../../core/config/paths.js';
import { RelayError } from '../../core/errors.js';
import { createLogger } from '../../core/log/logger.js';
import { openSettings } from '../../core/settings/store.js';
import { resolveBudget } from '../../core/usage/budget.js';
import type { GroupBy } from '../../core/usage/ledger-queries.js';
import { parseSince, readUsageReport } from '../../core/usage/report.js';
import type { UsageReport } from '../../core/usage/report.js';
import { budgetLine, formatCredits as credits, limitsLine } from '../usage-lines.js';

const BY: readonly GroupBy[] = ['model', 'client', 'day'];

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // First column left-aligned (names), numbers right-aligned.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function human(report: UsageReport, by: GroupBy, sinceText: string, now: number, port: number): string[] {
  const since = new Date(report.since);
  const when = `${since.toLocaleDateString('en-CA')} ${since.toTimeString().slice(0, 5)}`;
  const lines = [`Usage since ${when} (${sinceText})`];
  if (report.requests === 0) {
    lines.push('No requests went through the relay in this time.');
    lines.push(`Point a tool at it: OPENAI_BASE_URL=http://127.0.0.1:${port}/v1  ANTHROPIC_BASE_URL=http://127.0.0.1:${port}`);
  } else {
    lines.push(`Requests  ${int(report.requests)}${report.errors ? `  (${int(report.errors)} error${report.errors === 1 ? '' : 's'})` : ''}`);
    lines.push(`Tokens    ${int(report.inputTokens)} in · ${int(report.outputTokens)} out`);
    lines.push(`Credits   ${credits(report.credits)} AI credits`);
    lines.push('');
    const header = [by === 'day' ? 'Day' : by === 'client' ? 'Client' : 'Model', 'Requests', 'In tokens', 'Out tokens', 'Credits', 'Errors'];
    lines.push(...table(header, report.groups.map((g) => [g.key, int(g.requests), int(g.inputTokens), int(g.outputTokens), credits(g.credits), int(g.errors)])));
  }
  lines.push('');
  lines.push(`Limits    ${limitsLine(report.rateLimits, now)}`);
  lines.push(`Budget    ${budgetLine(report.budget)}`);
  return lines;
}

/** `copilot-relay usage [--since D] [--by model|client|day] [--json]`: reads the local ledger; no network, no sign-in needed. */
export async function run(ctx: CliContext): Promise<number> {
  const { values } = parseArgs({
    args: ctx.argv,
    options: { since: { type: 'string', default: '24h' }, by: { type: 'string', default: 'model' }, json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  const by = values.by as GroupBy;
  if (!BY.includes(by)) throw new RelayError('config', `Invalid --by "${values.by}".`, { fix: 'Use --by model, --by client or --by day.' });
  const now = Date.now();
  const since = parseSince(values.since, now);
  const home = relayHome(ctx.env);
  const settings = openSettings({ cwd: home });
  const budget = resolveBudget(ctx.env, { budgetCredits: settings.get('budgetCredits'), budgetPeriod: settings.get('budgetPeriod') });
  const logger = createLogger({ level: ctx.debug ? 'debug' : 'warn', sink: (line) => ctx.stderr.write(`${line}\n`) });
  const report = readUsageReport({ home, since, by, budget, logger, now });
  if (values.json) writeLine(ctx.stdout, JSON.stringify(report));
  else writeLine(ctx.stdout, human(report, by, values.since, now, settings.get('port') || 4141).join('\n'));
  return 0;
}
