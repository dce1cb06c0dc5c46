// `copilot-relay usage` as a user runs it: the BUILT CLI in a child process, reading the ledger a
// relay wrote — after it stopped, and while it still holds the database open (WAL).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { newRequestUsage } from '../../src/main/core/usage/observer.js';
import type { FinishedRequest } from '../../src/main/core/usage/observer.js';
import { UsageTracker } from '../../src/main/core/usage/tracker.js';
import { childEnv, cliDone } from '../lifecycle/harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const HOUR = 3_600_000;
let home: string;

beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), 'relay-usage-cli-'));
  if (!existsSync(path.join(root, 'dist/cli/index.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

// No GitHub behind it: `usage` reads the ledger (a closed loopback port if it ever tried more).
function cli(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof cliDone> {
  return cliDone(args, childEnv('http://127.0.0.1:9', home, { TZ: 'UTC', ...env }));
}

function request(overrides: Partial<FinishedRequest>): FinishedRequest {
  return {
    ...newRequestUsage(), clientApi: 'chat', upstreamEndpoint: '/chat/completions', modelRequested: 'gpt-4o', modelServed: 'gpt-4o', inputTokens: 100, outputTokens: 10,
    requestId: 'r', startedAt: Date.now(), userAgent: 'OpenAI/JS 6.49.0', method: 'POST', path: '/v1/chat/completions', status: 200, latencyMs: 50, ...overrides,
  };
}

describe('copilot-relay usage (built CLI)', () => {
  it('prints an empty report before anything was recorded', async () => {
    const { code, stdout, stderr } = await cli(['usage', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['since', 'requests', 'inputTokens', 'outputTokens', 'credits', 'errors', 'groups', 'rateLimits', 'budget']);
    expect(report).toMatchObject({ requests: 0, credits: 0, groups: [], rateLimits: [], budget: null });
    expect(Math.abs(Date.parse(report.since as string) - (Date.now() - 24 * HOUR))).toBeLessThan(60_000);
    const text = await cli(['usage']);
    expect(text.stdout).toContain('No requests went through the relay in this time.\nPoint a tool at it: OPENAI_BASE_URL=http://127.0.0.1:4141/v1  ANTHROPIC_BASE_URL=http://127.0.0.1:4141\n');
  });

  it('reads the ledger while the relay holds it open, and after it closed', async () => {
    const relay = new UsageTracker({ home, logger: silentLogger, flushMs: 10 });
    relay.record(request({ nanoAiu: 1_500_000_000 }));
    relay.record(request({ userAgent: 'claude-cli/2.1.126 (external, cli)', clientApi: 'messages', path: '/v1/messages', modelServed: 'claude-sonnet-4.5', nanoAiu: 3_000_000_000, inputTokens: 1000, outputTokens: 200 }));
    relay.record(request({ userAgent: 'curl/8.5.0', status: 429, errorCode: 'user_weekly_rate_limited', inputTokens: null, outputTokens: null }));
    relay.record(request({ startedAt: Date.now() - 3 * 24 * HOUR, nanoAiu: 10_000_000_000 }));
    relay.observeUpstream({ status: 200, headers: { 'x-usage-ratelimit-weekly': 'rem=38&rst=2026-11-26T14%3A00%3A00Z', 'x-usage-ratelimit-session': 'rem=82' }, model: 'gpt-4o' });
    await relay.ledger!.flush();

    // While open: WAL lets the CLI read what the relay flushed.
    const byClient = await cli(['usage', '--json', '--by', 'client']);
    expect(byClient.code).toBe(0);
    const report = JSON.parse(byClient.stdout) as { requests: number; credits: number; errors: number; inputTokens: number; groups: { key: string }[]; rateLimits: unknown[] };
    expect(report).toMatchObject({ requests: 3, errors: 1, inputTokens: 1100 });
    expect(report.credits).toBeCloseTo(4.5, 10);
    expect(report.groups).toEqual([
      { key: 'Claude Code', requests: 1, inputTokens: 1000, outputTokens: 200, credits: 3, errors: 0 },
      { key: 'OpenAI SDK (JS)', requests: 1, inputTokens: 100, outputTokens: 10, credits: 1.5, errors: 0 },
      { key: 'curl', requests: 1, inputTokens: 0, outputTokens: 0, credits: 0, errors: 1 },
    ]);
    expect(report.rateLimits).toEqual([
      { name: 'session', usedPercent: 18, resetsAt: null },
      { name: 'weekly', usedPercent: 62, resetsAt: '2026-11-26T14:00:00.000Z' },
    ]);

    await relay.close();
    const week = JSON.parse((await cli(['usage', '--json', '--since', '7d', '--by', 'day'], { COPILOT_RELAY_BUDGET: '50/month' })).stdout) as { requests: number; groups: { key: string; credits: number }[]; budget: unknown };
    expect(week.requests).toBe(4);
    expect(week.groups).toHaveLength(2);
    expect(week.groups[0]!.credits).toBe(10);
    expect(week.budget).toMatchObject({ period: 'month', limitCredits: 50 });

    const text = await cli(['usage']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Usage since \d{4}-\d\d-\d\d \d\d:\d\d \(24h\)\nRequests {2}3 {2}\(1 error\)\nTokens {4}1,100 in · 210 out\nCredits {3}4\.50 AI credits\n/);
    expect(text.stdout).toMatch(/\nModel +Requests +In tokens +Out tokens +Credits +Errors\nclaude-sonnet-4\.5 +1 +1,000 +200 +3\.00 +0\n/);
    expect(text.stdout).toContain('Limits    5-hour limit 18 % used · weekly limit 62 % used, resets ');
    expect(text.stdout).toContain('Budget    none (set COPILOT_RELAY_BUDGET=500/month or one in the window)');
  });

  it('refuses a bad --since, --by or budget with one line and a non-zero exit', async () => {
    for (const [args, env, message] of [
      [['usage', '--since', 'yesterday'], {}, /^Invalid --since "yesterday"\. Use a duration like 24h, 7d or 30d, or an ISO date like 2026-11-01\.\n$/],
      [['usage', '--by', 'week'], {}, /^Invalid --by "week"\. Use --by model, --by client or --by day\.\n$/],
      [['usage'], { COPILOT_RELAY_BUDGET: 'lots' }, /^Invalid budget "lots"\. Use AI credits per day or month/],
    ] as const) {
      const { code, stdout, stderr } = await cli([...args], env);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    }
  });
});
