import { describe, it, expect } from 'vitest';
import { resolveEndpoints } from '../config/endpoints.js';
import { startDeviceFlow } from './device-flow.js';
import { scriptedFetch } from './scripted-fetch.js';
import type { ScriptedAnswer } from './scripted-fetch.js';

const endpoints = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:1', COPILOT_RELAY_GITHUB_API_URL: 'http://127.0.0.1:1' } });

/** Clock + sleep that advance virtual time instead of waiting. */
function virtualTime(start = 1_000_000) {
  const state = { now: start, sleeps: [] as number[] };
  return {
    state,
    now: () => state.now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new Error('aborted');
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
}

function flowWith(polls: ScriptedAnswer[], code: Record<string, unknown> = {}) {
  const script = scriptedFetch((call) => {
    if (call.path === '/login/device/code') return { status: 200, body: { device_code: 'DEVICE_FAKE', user_code: 'WDJB-MJHT', verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 5, ...code } };
    return polls.shift() ?? { status: 200, body: { error: 'authorization_pending' } };
  });
  const time = virtualTime();
  return { script, time, start: (signal?: AbortSignal) => startDeviceFlow({ endpoints, clientId: 'Iv1.FAKE', fetch: script.fetch, sleep: time.sleep, now: time.now, signal }) };
}

describe('device flow', () => {
  it('shows the code before waiting, waits the interval before the first poll, then returns the token after pending polls', async () => {
    const { script, time, start } = flowWith([{ status: 200, body: { error: 'authorization_pending' } }, { status: 200, body: { error: 'authorization_pending' } }, { status: 200, body: { access_token: 'ghu_FAKEDEVICETOKEN', token_type: 'bearer' } }]);
    const flow = await start();
    expect(flow.userCode).toBe('WDJB-MJHT');
    expect(flow.verificationUri).toBe('https://github.com/login/device');
    expect(script.calls).toHaveLength(1);
    expect(script.calls[0]!.body).toEqual({ client_id: 'Iv1.FAKE', scope: 'read:user' });
    expect(script.calls[0]!.headers.accept).toBe('application/json');
    await expect(flow.wait()).resolves.toBe('ghu_FAKEDEVICETOKEN');
    expect(time.state.sleeps).toEqual([5000, 5000, 5000]);
    const poll = script.calls[1]!;
    expect(poll.path).toBe('/login/oauth/access_token');
    expect(poll.headers.accept).toBe('application/json');
    expect(poll.body).toEqual({ client_id: 'Iv1.FAKE', device_code: 'DEVICE_FAKE', grant_type: 'urn:ietf:params:oauth:grant-type:device_code' });
  });

  it('honours a 1-second interval (no faster polling)', async () => {
    const { time, start } = flowWith([{ status: 200, body: { error: 'authorization_pending' } }, { status: 200, body: { access_token: 'ghu_FAKE1SEC' } }], { interval: 1 });
    const flow = await start();
    await flow.wait();
    expect(time.state.sleeps).toEqual([1000, 1000]);
  });

  it('slow_down: adds 5 s (or takes the returned interval) and keeps it', async () => {
    const { time, start } = flowWith([
      { status: 200, body: { error: 'slow_down' } },
      { status: 200, body: { error: 'authorization_pending' } },
      { status: 200, body: { error: 'slow_down', interval: 20 } },
      { status: 200, body: { error: 'authorization_pending' } },
      { status: 200, body: { access_token: 'ghu_FAKESLOW' } },
    ]);
    const flow = await start();
    await expect(flow.wait()).resolves.toBe('ghu_FAKESLOW');
    expect(time.state.sleeps).toEqual([5000, 10000, 10000, 20000, 20000]);
  });

  it('reads the error from the body even on HTTP 400', async () => {
    const { start } = flowWith([{ status: 400, body: { error: 'authorization_pending' } }, { status: 200, body: { access_token: 'ghu_FAKE400' } }]);
    await expect((await start()).wait()).resolves.toBe('ghu_FAKE400');
  });

  it('stops on expired_token and access_denied with their own kinds', async () => {
    await expect((await flowWith([{ status: 200, body: { error: 'expired_token' } }]).start()).wait()).rejects.toMatchObject({ kind: 'sign-in-expired' });
    await expect((await flowWith([{ status: 200, body: { error: 'access_denied' } }]).start()).wait()).rejects.toMatchObject({ kind: 'sign-in-denied' });
  });

  it("stops on other errors with GitHub's description", async () => {
    const { start } = flowWith([{ status: 200, body: { error: 'device_flow_disabled', error_description: 'Device Flow must be explicitly enabled for this App' } }]);
    const error = await (await start()).wait().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'sign-in-failed' });
    expect((error as Error).message).toContain('Device Flow must be explicitly enabled');
    expect((error as Error).message).toContain('device_flow_disabled');
  });

  it('stops at the expires_in deadline even while GitHub still says pending', async () => {
    const { script, time, start } = flowWith([], { expires_in: 12, interval: 5 });
    const flow = await start();
    await expect(flow.wait()).rejects.toMatchObject({ kind: 'sign-in-expired' });
    expect(time.state.sleeps).toEqual([5000, 5000, 2000]);
    expect(script.calls.filter((c) => c.path === '/login/oauth/access_token')).toHaveLength(2);
  });

  it('is cancellable with an AbortSignal (real timers, long interval)', async () => {
    const script = scriptedFetch(() => ({ status: 200, body: { device_code: 'D', user_code: 'AAAA-BBBB', verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 5 } }));
    const controller = new AbortController();
    const flow = await startDeviceFlow({ endpoints, clientId: 'Iv1.FAKE', fetch: script.fetch, signal: controller.signal });
    const waiting = flow.wait();
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toMatchObject({ kind: 'cancelled' });
    expect(script.calls).toHaveLength(1);
  });

  it('reports a refused start (bad client id) as sign-in-failed', async () => {
    const script = scriptedFetch(() => ({ status: 404, body: { error: 'Not Found' } }));
    await expect(startDeviceFlow({ endpoints, clientId: 'bad', fetch: script.fetch })).rejects.toMatchObject({ kind: 'sign-in-failed' });
  });
});
