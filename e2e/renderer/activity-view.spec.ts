import { test, expect, chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityRange, ActivitySnapshot } from '../../src/shared/usage.js';
import type { UsageSource } from '../../src/main/electron/usage-actions.js';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { newRequestUsage } from '../../src/main/core/usage/observer.js';
import { UsageTracker } from '../../src/main/core/usage/tracker.js';
import { trackerSource } from '../../src/main/core/usage/tracker-source.js';
import { CHROMIUM_LAUNCH, SHOTS, shot, installBridge, serveRenderer } from '../support/renderer-harness.js';
import { ScriptedBackend } from '../support/scripted-backend.js';
import { activityRow, busyActivity, emptyActivity, overBudgetActivity, rateLimitedActivity } from '../support/activity-fixtures.js';

// Debian's Chromium; browsers are never downloaded.

let browser: Browser;
let server: Awaited<ReturnType<typeof serveRenderer>>;

test.beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  server = await serveRenderer();
  await mkdir(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A usage source that answers the given snapshot and records what the page asked. */
class ScriptedUsage implements UsageSource {
  readonly ranges: ActivityRange[] = [];
  readonly budgets: unknown[] = [];
  private listeners = new Set<(row: ReturnType<typeof activityRow>) => void>();
  constructor(public snapshot: ActivitySnapshot) {}
  activity(range: ActivityRange): ActivitySnapshot {
    this.ranges.push(range);
    return { ...this.snapshot, range };
  }
  setBudget(budget: unknown): { overriddenBy: null } {
    this.budgets.push(budget);
    return { overriddenBy: null };
  }
  onRecord(listener: (row: ReturnType<typeof activityRow>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  push(row: ReturnType<typeof activityRow>): void {
    for (const l of this.listeners) l(row);
  }
}

async function openActivity(usage: UsageSource, colorScheme: 'light' | 'dark' = 'light') {
  const context = await browser.newContext({ viewport: { width: 380, height: 520 }, colorScheme });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url.replace('index.html', ''))) problems.push(`unexpected request ${r.url()}`);
  });
  const backend = new ScriptedBackend();
  const bridge = await installBridge(page, backend, { usage });
  await page.goto(server.url);
  backend.signIn().catch(() => undefined);
  backend.approve();
  await expect(page.locator('#phase')).toHaveText('Ready');
  await page.getByRole('tab', { name: 'Activity' }).click();
  await expect(page.locator('#view-activity')).toBeVisible();
  return { page, bridge, problems, context, backend };
}


test('empty: says how to point a tool at the relay, with Copy for both env lines', async () => {
  const usage = new ScriptedUsage(emptyActivity());
  const { page, bridge, problems, context } = await openActivity(usage);
  await expect(page.locator('#activity-empty')).toBeVisible();
  await expect(page.locator('#env-openai')).toHaveText('OPENAI_BASE_URL=http://127.0.0.1:4141/v1');
  await expect(page.locator('#env-anthropic')).toHaveText('ANTHROPIC_BASE_URL=http://127.0.0.1:4141');
  await expect(page.locator('#activity-charts')).toBeHidden();
  await expect(page.locator('#spend-today')).toHaveText('0');
  await expect(page.locator('#limits')).toContainText('None seen yet');
  await page.locator('#copy-env-anthropic').click();
  await expect(page.locator('#env-result')).toHaveText('Copied.');
  expect(bridge.clipboard).toEqual(['ANTHROPIC_BASE_URL=http://127.0.0.1:4141']);
  // Status stays the main view, one click away; main remembers the choice.
  await expect(page.locator('#tab-activity')).toHaveAttribute('aria-selected', 'true');
  expect(bridge.lastView()).toBe('activity');
  await shot(page, 'activity-empty');
  await page.getByRole('tab', { name: 'Status' }).click();
  await expect(page.locator('#proxy-url')).toBeVisible();
  await expect(page.locator('#view-activity')).toBeHidden();
  await expect.poll(() => bridge.lastView()).toBe('status');
  // The tray's "Activity…" asks main, which pushes the view.
  await bridge.showView('activity');
  await expect(page.locator('#view-activity')).toBeVisible();
  // Keyboard: arrows move between the two tabs.
  await page.locator('#tab-activity').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#tab-status')).toBeFocused();
  await expect(page.locator('#view-activity')).toBeHidden();
  expect(problems).toEqual([]);
  await context.close();
});

test('busy: spend, bars per model and client, limits with resets, the budget bar, the last 50 requests live', async () => {
  const usage = new ScriptedUsage(busyActivity());
  const { page, problems, context } = await openActivity(usage);
  await expect(page.locator('#spend-today')).toHaveText('12.4');
  await expect(page.locator('#spend-budget')).toHaveText('(budget 50/day)');
  await expect(page.locator('#budget-track')).toHaveAttribute('aria-valuenow', '25');
  await expect(page.locator('#budget-state')).toContainText('25 % of the daily budget used');
  await expect(page.locator('#by-model .chart-row')).toHaveCount(4);
  await expect(page.locator('#by-model .chart-row').first()).toHaveAttribute('aria-label', 'claude-sonnet-4.5: 8.10 credits');
  const widths = await page.locator('#by-model .chart-fill').evaluateAll((els) => els.map((e) => (e as unknown as { style: { width: string } }).style.width));
  expect(widths).toEqual(['100%', '48%', '4%', '1%']);
  await expect(page.locator('#by-client .chart-label')).toHaveText(['Claude Code', 'Codex', 'OpenAI SDK (Python)']);
  await expect(page.locator('#limits .limit-row')).toHaveCount(2);
  await expect(page.locator('#limits .limit-row').first()).toContainText(/weekly.*62 % · resets \w{3} \d\d:\d\d/);
  await expect(page.locator('#recent li')).toHaveCount(50);
  await expect(page.locator('#recent li').nth(3)).toHaveClass(/failed/);
  await expect(page.locator('#recent li').nth(3)).toContainText('model_not_supported');
  await shot(page, 'activity-busy');

  // Live: a new request is listed at once, the list stays at 50.
  usage.snapshot = { ...usage.snapshot, today: { ...usage.snapshot.today, credits: 12.9 } };
  usage.push(activityRow(0, Date.now(), { client: 'curl', model: 'gpt-4o', path: '/v1/chat/completions', credits: 0.5 }));
  await expect(page.locator('#recent li').first()).toContainText('curl');
  await expect(page.locator('#recent li')).toHaveCount(50);
  await expect(page.locator('#spend-today')).toHaveText('12.9');

  // The range selector re-reads the snapshot.
  await page.locator('#activity-range').selectOption('month');
  await expect.poll(() => usage.ranges.at(-1)).toBe('month');
  await expect(page.locator('#spend-range')).toContainText('This month:');

  // The budget editor: validated in the page, saved through main.
  await page.locator('#budget-editor summary').click();
  await page.locator('#budget-credits').fill('-4');
  await page.locator('#budget-save').click();
  await expect(page.locator('#budget-message')).toHaveText('Enter a positive number of AI credits, or leave it empty for no budget.');
  await page.locator('#budget-credits').fill('500');
  await page.locator('#budget-period').selectOption('month');
  await page.locator('#budget-save').click();
  await expect(page.locator('#budget-message')).toHaveText('Budget set to 500/month.');
  expect(usage.budgets).toEqual([{ limitCredits: 500, period: 'month' }]);
  expect(problems).toEqual([]);
  await context.close();
});

test('rate-limited: the reached limit is named in red with its reset; the 429 is in the list', async () => {
  const { page, problems, context } = await openActivity(new ScriptedUsage(rateLimitedActivity()));
  const weekly = page.locator('#limits .limit-row').first();
  await expect(weekly).toHaveClass(/reached/);
  await expect(weekly).toContainText(/weekly.*reached · resets \w{3} \d\d:\d\d/);
  await expect(page.locator('#recent li').first()).toContainText('429');
  await expect(page.locator('#recent li').first()).toContainText('user_weekly_rate_limited');
  await shot(page, 'activity-rate-limited');
  expect(problems).toEqual([]);
  await context.close();
});

test('over budget: the bar is full and red, and the view says requests are refused until the reset', async () => {
  const { page, problems, context } = await openActivity(new ScriptedUsage(overBudgetActivity()));
  await expect(page.locator('#budget-fill')).toHaveClass(/danger/);
  await expect(page.locator('#budget-state')).toHaveText(/^Over budget: 51\.3 of 50 credits used\. Requests are refused until \w{3} 00:00\.$/);
  await expect(page.locator('#recent li').first()).toContainText('budget_exceeded');
  await shot(page, 'activity-over-budget');
  expect(problems).toEqual([]);
  await context.close();
});

test('status view: a token-billed plan speaks AI credits with the budget bar; a reached limit is named, one click from Activity', async () => {
  const usage = new ScriptedUsage(rateLimitedActivity());
  const { page, backend, problems, context } = await openActivity(usage);
  await page.getByRole('tab', { name: 'Status' }).click();
  await expect(page.locator('#quota-label')).toHaveText('Premium');
  const resetsAt = new Date(Date.now() + 52 * 3_600_000).toISOString();
  const weekly = { name: 'weekly', label: 'weekly limit', usedPercent: 100, resetsAt, reached: true };
  backend.setUsage({
    billingUnit: 'credits',
    credits: { usedLocally: 184.2, usedOnGitHub: null, entitlement: null, periodStart: new Date(2026, 10, 1).toISOString(), resetsAt: new Date(2026, 11, 1).toISOString() },
    rateLimits: [weekly],
    rateLimited: { ...weekly, line: 'Weekly limit reached — resets Wed 14:00' },
    budget: { period: 'month', limitCredits: 500, usedCredits: 184.2, resetsAt: new Date(2026, 11, 1).toISOString() },
  });
  await expect(page.locator('#quota-label')).toHaveText('Credits');
  await expect(page.locator('#quota')).toHaveText('184 used · budget 500/month');
  await expect(page.locator('#quota-bar')).toHaveAttribute('style', 'width: 37%;');
  await expect(page.locator('#quota-reset')).toHaveText(/^resets (1 Dec|Dec 1)$/);
  await expect(page.locator('#limit-line')).toHaveText('Weekly limit reached — resets Wed 14:00');
  await expect(page.locator('#phase')).toHaveText('Rate limited');
  await expect(page.locator('#phase-dot')).toHaveClass('dot rate-limited');
  await shot(page, 'status-credits-rate-limited');
  await page.locator('#limit-activity').click();
  await expect(page.locator('#view-activity')).toBeVisible();
  await expect(page.locator('#limits .limit-row').first()).toHaveClass(/reached/);

  // Only the local budget spent: the headline names it, like the tray; raised, the relay is Ready again.
  const credits = { usedLocally: 512, usedOnGitHub: null, entitlement: null, periodStart: new Date(Date.now() - 86_400_000).toISOString(), resetsAt: null };
  const budget = { period: 'month' as const, limitCredits: 500, usedCredits: 512, resetsAt: new Date(Date.now() + 5 * 86_400_000).toISOString() };
  backend.setUsage({ billingUnit: 'credits', credits, rateLimits: [], rateLimited: null, budget });
  await page.getByRole('tab', { name: 'Status' }).click();
  await expect(page.locator('#phase')).toHaveText('Budget used up');
  await expect(page.locator('#phase-dot')).toHaveClass('dot rate-limited');
  backend.setUsage({ billingUnit: 'credits', credits, rateLimits: [], rateLimited: null, budget: { ...budget, limitCredits: 1000 } });
  await expect(page.locator('#phase')).toHaveText('Ready');
  expect(problems).toEqual([]);
  await context.close();
});

test('dark mode follows the OS', async () => {
  const { page, problems, context } = await openActivity(new ScriptedUsage(busyActivity()), 'dark');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(30, 30, 32)');
  await shot(page, 'activity-dark');
  expect(problems).toEqual([]);
  await context.close();
});

test('the real tracker behind the view: recorded requests appear, live, from the ledger', async () => {
  const home = await mkdtemp(join(tmpdir(), 'relay-activity-'));
  const tracker = new UsageTracker({ home, logger: silentLogger, flushMs: 20 });
  try {
    const source = trackerSource(tracker, { unit: () => 'credits', proxyUrl: () => 'http://127.0.0.1:4141/v1', saveBudget: () => undefined });
    const { page, problems, context } = await openActivity(source);
    await expect(page.locator('#activity-empty')).toBeVisible();
    const request = { ...newRequestUsage(), clientApi: 'messages' as const, modelServed: 'claude-sonnet-4.5', requestId: 'x', startedAt: Date.now(), userAgent: 'claude-cli/2.1.126 (external, cli)', method: 'POST', path: '/v1/messages', status: 200, latencyMs: 1800, nanoAiu: 210_000_000 };
    tracker.record(request);
    await expect(page.locator('#recent li').first()).toContainText('Claude Code');
    await expect(page.locator('#spend-today')).toHaveText('0.21');
    await expect(page.locator('#by-client .chart-label')).toHaveText(['Claude Code']);
    await page.locator('#budget-editor summary').click();
    await page.locator('#budget-credits').fill('0.2');
    await page.locator('#budget-period').selectOption('day');
    await page.locator('#budget-save').click();
    await expect(page.locator('#budget-state')).toContainText('Over budget');
    expect(tracker.admit({ clientApi: 'chat', model: null })?.code).toBe('budget_exceeded');
    expect(problems).toEqual([]);
    await context.close();
  } finally {
    await tracker.close();
    await rm(home, { recursive: true, force: true });
  }
});
