import { test, expect, chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { FileSecretStore } from '../../src/main/core/secrets/file-store.js';
import { ServiceClient } from '../../src/main/core/service-host/client.js';
import type { BudgetNotice } from '../../src/main/core/service-host/contract.js';
import { forkService } from '../../src/main/core/service-host/fork.js';
import { serviceUsageSource } from '../../src/main/core/service-host/usage-source.js';
import { statusLine, trayIconState } from '../../src/main/core/tray-menu/tray-template.js';
import { startFakeUpstream } from '../../test/fake-github/index.js';
import type { FakeUpstream } from '../../test/fake-github/index.js';
import { CHROMIUM_LAUNCH, SHOTS, shot, installBridge, serveRenderer } from '../support/renderer-harness.js';

// The Activity view driven by the REAL relay service (dist/main/service.js, forked as the desktop
// app's utility process) over the message contract, after real SDK requests through its proxy to
// the fake upstream: the ledger, the live pushes, Copilot's rate limits and the local budget, as the
// window shows them. Screenshots in test-results/renderer/real-activity-*.png.
const SERVICE_ENTRY = fileURLToPath(new URL('../../dist/main/service.js', import.meta.url));

let browser: Browser;
test.beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  await mkdir(SHOTS, { recursive: true });
});
test.afterAll(async () => browser?.close());


async function signedInService(fake: FakeUpstream, home: string) {
  await writeFile(join(home, 'config.json'), JSON.stringify({ insecureStorage: true, port: 0 }));
  await new FileSecretStore(home).set(`127.0.0.1:${new URL(fake.url).port}`, fake.defaultToken);
  const { COPILOT_RELAY_GITHUB_TOKEN: _t, COPILOT_RELAY_API_KEY: _k, COPILOT_RELAY_BUDGET: _b, ...parentEnv } = process.env;
  const env = { ...parentEnv, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
  const controller = new ServiceClient({ spawn: () => forkService(SERVICE_ENTRY, { env }), logger: silentLogger });
  const notices: BudgetNotice[] = [];
  controller.onBudgetWarning((notice) => notices.push(notice));
  await controller.start();
  await expect.poll(() => controller.status().proxy.running && controller.status().phase === 'ready', { timeout: 15_000 }).toBe(true);
  return { controller, notices, url: controller.status().proxy.url!.replace(/\/v1$/, '') };
}

test('real relay service + SDK traffic: spend, bars, live list, a reached weekly limit, the budget stop', async () => {
  const fake = await startFakeUpstream();
  const home = await mkdtemp(join(tmpdir(), 'relay-activity-real-'));
  const server = await serveRenderer();
  const { controller, notices, url } = await signedInService(fake, home);
  const context = await browser.newContext({ viewport: { width: 380, height: 520 } });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    await installBridge(page, controller, { usage: serviceUsageSource(controller) });
    await page.goto(server.url);
    await expect(page.locator('#phase')).toHaveText('Ready');
    await page.getByRole('tab', { name: 'Activity' }).click();
    await expect(page.locator('#activity-empty')).toBeVisible();

    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    fake.counters.billedNanoAiu = 0;
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
    for await (const _ of await openai.responses.create({ model: 'gpt-5.1-codex', input: 'write a test', stream: true })) void _;
    await anthropic.messages.create({ model: 'claude-sonnet-4.5', max_tokens: 200, messages: [{ role: 'user', content: 'review this' }] });
    await anthropic.messages.stream({ model: 'gpt-4o', max_tokens: 200, messages: [{ role: 'user', content: 'translated' }] }).finalMessage();

    // Live: each request is listed as it is recorded; the sums follow.
    await expect(page.locator('#recent li')).toHaveCount(4, { timeout: 10_000 });
    await expect(page.locator('#recent li').first()).toContainText('Anthropic SDK (JS)');
    await expect.poll(async () => (await page.locator('#by-client .chart-label').allTextContents()).sort()).toEqual(['Anthropic SDK (JS)', 'OpenAI SDK (JS)']);
    await expect(page.locator('#by-model .chart-row')).toHaveCount(3);
    const billed = fake.counters.billedNanoAiu / 1e9;
    await expect.poll(async () => Number(await page.locator('#spend-today').textContent())).toBeCloseTo(billed, 1);
    await expect(page.locator('#limits .limit-row')).toHaveCount(2);
    await expect(page.locator('#limits')).toContainText(/weekly.*62 %/);
    await shot(page, 'real-activity-busy');

    // Copilot's weekly limit: the SDK sees a clear 429 naming it; the view marks it reached.
    Object.assign(fake.knobs, { rateLimitNext: 1, rateLimitCode: 'user_weekly_rate_limited', rateLimitRetryAfter: 2 * 86_400, rateLimitRetryAfterAsDate: true });
    const limited = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).message).toMatch(/weekly limit is reached; it resets/);
    await expect(page.locator('#recent li').first()).toContainText('429');
    await expect(page.locator('#recent li').first()).toContainText('user_weekly_rate_limited');
    await expect(page.locator('#limits .limit-row.reached')).toContainText(/weekly.*reached · resets/);
    await shot(page, 'real-activity-rate-limited');
    await expect.poll(() => controller.status().usage.rateLimited?.name).toBe('weekly');
    // What the tray makes of that status: the clock icon and the limit with its reset.
    expect(trayIconState(controller.status(), Date.now())).toBe('rate-limited');
    expect(statusLine(controller.status(), Date.now())).toMatch(/^Weekly limit reached — resets \w{3} \d\d:\d\d$/);
    await page.getByRole('tab', { name: 'Status' }).click();
    await expect(page.locator('#limit-line')).toHaveText(/^Weekly limit reached — resets /);
    await expect(page.locator('#phase')).toHaveText('Rate limited');
    await shot(page, 'real-status-rate-limited');
    await page.getByRole('tab', { name: 'Activity' }).click();

    // The window's budget, below what was spent: applied at once (no restart), the next request is
    // refused locally in the caller's dialect, nothing goes upstream; the 80 % notice was sent once.
    await page.locator('#budget-editor summary').click();
    await page.locator('#budget-credits').fill(String(Math.max(0.001, Math.floor(billed * 500) / 1000)));
    await page.locator('#budget-period').selectOption('day');
    await page.locator('#budget-save').click();
    await expect(page.locator('#budget-state')).toContainText('Over budget');
    const upstreamBefore = fake.requests.length;
    const refused = await anthropic.messages.create({ model: 'claude-sonnet-4.5', max_tokens: 100, messages: [{ role: 'user', content: 'one more' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refused as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('x-should-retry')).toBe('false');
    expect(fake.requests.length).toBe(upstreamBefore);
    await expect(page.locator('#recent li').first()).toContainText('budget_exceeded');
    await expect.poll(() => notices.length).toBe(1);
    expect(notices[0]!.title).toMatch(/% of your budget used$/);
    await expect(page.locator('#budget-fill')).toHaveClass(/danger/);
    await page.locator('#view-activity').evaluate((view) => view.scrollTo(0, 0));
    await shot(page, 'real-activity-over-budget');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(30, 30, 32)');
    await shot(page, 'real-activity-dark');
    const text = await page.locator('body').innerText();
    for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(text).not.toContain(secret);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await controller.stop();
    await server.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
});
