import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readyStatus } from '../../../../e2e/support/status-fixtures.js';
import { createMemoryLogger } from '../log/logger.js';
import { ServiceClient, describeExit } from './client.js';
import type { ServiceProcess } from './client.js';
import type { RequestMessage } from './contract.js';
import { serviceUsageSource } from './usage-source.js';

/** A scripted service process: records requests, answers as told, exits on demand. */
class FakeProcess implements ServiceProcess {
  readonly sent: RequestMessage[] = [];
  private readonly events = new EventEmitter();
  killed = false;
  send(message: RequestMessage): void {
    this.sent.push(message);
  }
  onMessage(listener: (raw: unknown) => void): void {
    this.events.on('message', listener);
  }
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.events.once('exit', listener);
  }
  kill(): void {
    this.killed = true;
    this.exit(null, 'SIGTERM');
  }
  say(message: unknown): void {
    this.events.emit('message', message);
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.events.emit('exit', code, signal);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const procs: FakeProcess[] = [];
  const logger = createMemoryLogger();
  const client = new ServiceClient({ spawn: () => (procs.push(new FakeProcess()), procs.at(-1)!), logger, backoff: { baseMs: 1_000, capMs: 8_000, stableMs: 60_000 }, requestTimeoutMs: 5_000 });
  return { client, procs, logger };
}

describe('ServiceClient', () => {
  it('starts, takes the ready status, answers requests by id, and refuses results out of contract', async () => {
    const { client, procs } = setup();
    const started = client.start();
    procs[0]!.say({ type: 'event', event: 'ready', status: readyStatus() });
    await started;
    expect(client.status()).toMatchObject({ phase: 'ready', service: { state: 'running', restarts: 0 } });
    const settings = client.request('getSettings', null);
    procs[0]!.say({ type: 'response', id: procs[0]!.sent[0]!.id, ok: true, result: { port: 4141, apiKeyEnabled: true } });
    expect(await settings).toEqual({ port: 4141, apiKeyEnabled: true });
    const odd = client.request('getSettings', null);
    procs[0]!.say({ type: 'response', id: procs[0]!.sent[1]!.id, ok: true, result: { port: 'x' } });
    await expect(odd).rejects.toThrow(/out of contract/);
    const failed = client.request('refreshNow', null);
    procs[0]!.say({ type: 'response', id: procs[0]!.sent[2]!.id, ok: false, error: { kind: 'token-revoked', message: 'Revoked.', fix: 'Run login.', desktopFix: 'Sign in again.' } });
    await expect(failed).rejects.toMatchObject({ kind: 'token-revoked', message: 'Revoked.', desktopFix: 'Sign in again.' });
  });

  it('hands recorded requests and the budget notice to their listeners; the usage source asks by contract', async () => {
    const { client, procs } = setup();
    void client.start();
    const rows: unknown[] = [];
    const notices: unknown[] = [];
    client.onActivity((row) => rows.push(row));
    client.onBudgetWarning((notice) => notices.push(notice));
    const row = { at: 1, client: 'curl', model: 'gpt-4o', path: '/v1/chat/completions', status: 200, errorCode: null, latencyMs: 5, credits: 0.1, premiumRequests: 1, stream: false };
    procs[0]!.say({ type: 'event', event: 'activity', rows: [row, { ...row, at: 2 }] });
    procs[0]!.say({ type: 'event', event: 'budget-warning', notice: { title: 'Copilot Relay: 80 % of your budget used', body: '40 of 50 AI credits used today.' } });
    expect(rows).toEqual([row, { ...row, at: 2 }]);
    expect(notices).toEqual([{ title: 'Copilot Relay: 80 % of your budget used', body: '40 of 50 AI credits used today.' }]);
    const source = serviceUsageSource(client);
    const saved = source.setBudget({ limitCredits: 50, period: 'day' });
    expect(procs[0]!.sent.at(-1)).toMatchObject({ method: 'setBudget', params: { limitCredits: 50, period: 'day' } });
    procs[0]!.say({ type: 'response', id: procs[0]!.sent.at(-1)!.id, ok: true, result: { overriddenBy: null } });
    expect(await saved).toEqual({ overriddenBy: null });
  });

  it('ignores messages out of contract', async () => {
    const { client, procs, logger } = setup();
    void client.start();
    procs[0]!.say({ type: 'event', event: 'status', status: { phase: 'ready', token: 'ghu_FAKE' } });
    expect(client.status().phase).toBe('signed-out');
    expect(logger.lines.join('\n')).toMatch(/Ignored a message from the relay service/);
  });

  it('restarts after unexpected exits with doubling, capped delays; a process that ran a while resets the backoff', async () => {
    vi.useFakeTimers();
    const { client, procs } = setup();
    void client.start();
    procs[0]!.say({ type: 'event', event: 'ready', status: readyStatus() });
    const pending = client.request('refreshNow', null);
    procs[0]!.exit(1);
    await expect(pending).rejects.toThrow('The relay service stopped (exit code 1).');
    expect(client.status()).toMatchObject({ phase: 'error', proxy: { running: false }, service: { state: 'restarting', restarts: 1, lastExit: 'exit code 1' }, lastError: { kind: 'service-stopped' } });
    const delays: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const before = Date.now();
      while (procs.length === i) await vi.advanceTimersByTimeAsync(100);
      delays.push(Date.now() - before);
      procs[i]!.exit(null, 'SIGSEGV');
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(client.status().service).toEqual({ state: 'restarting', restarts: 6, lastExit: 'killed by SIGSEGV' });
    await vi.advanceTimersByTimeAsync(8_000);
    procs[6]!.say({ type: 'event', event: 'ready', status: readyStatus() });
    expect(client.status().service).toEqual({ state: 'running', restarts: 6, lastExit: 'killed by SIGSEGV' });
    await vi.advanceTimersByTimeAsync(61_000);
    procs[6]!.exit(1);
    const before = Date.now();
    while (procs.length === 7) await vi.advanceTimersByTimeAsync(100);
    expect(Date.now() - before).toBe(1_000);
  });

  it('stop asks for a graceful shutdown, kills after the timeout, and never restarts', async () => {
    vi.useFakeTimers();
    const { client, procs } = setup();
    void client.start();
    const stopped = client.stop(3_000);
    expect(procs[0]!.sent.at(-1)).toMatchObject({ method: 'shutdown', params: null });
    await vi.advanceTimersByTimeAsync(3_000);
    await stopped;
    expect(procs[0]!.killed).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(procs).toHaveLength(1);
  });

  it('a start-up failure is a failed state, not a restart loop', async () => {
    const failures: unknown[] = [];
    const procs: FakeProcess[] = [];
    const client = new ServiceClient({ spawn: () => (procs.push(new FakeProcess()), procs.at(-1)!), logger: createMemoryLogger(), onStartupFailed: (f) => failures.push(f) });
    const started = client.start();
    procs[0]!.say({ type: 'event', event: 'startup-failed', error: { kind: 'config', message: 'The settings file /x/config.json is not valid JSON.', fix: 'Fix it.', desktopFix: 'Reset it.', settingsFile: '/x/config.json' } });
    await started;
    expect(failures).toHaveLength(1);
    expect(client.status()).toMatchObject({ phase: 'error', service: { state: 'failed' }, lastError: { kind: 'config', fix: 'Reset it.' } });
  });

  it('describes exits in words', () => {
    expect(describeExit(1, null)).toBe('exit code 1');
    expect(describeExit(null, 'SIGKILL')).toBe('killed by SIGKILL');
  });
});
