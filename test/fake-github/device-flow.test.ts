import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';

let fake: FakeUpstream;
beforeEach(async () => {
  fake = await startFakeUpstream({ deviceInterval: 0 });
});
afterEach(async () => {
  await fake.close();
});

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const json = { accept: 'application/json', 'content-type': 'application/json' };

async function start(headers: Record<string, string> = json, body = JSON.stringify({ client_id: 'Iv1.FAKE', scope: 'read:user' })) {
  return fetch(`${fake.url}/login/device/code`, { method: 'POST', headers, body });
}

async function poll(deviceCode: string, overrides: Record<string, string> = {}, headers: Record<string, string> = json) {
  const body = { client_id: 'Iv1.FAKE', device_code: deviceCode, grant_type: GRANT, ...overrides };
  const res = await fetch(`${fake.url}/login/oauth/access_token`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function startJson(): Promise<{ device_code: string; user_code: string; interval: number; expires_in: number; verification_uri: string }> {
  return (await (await start()).json()) as never;
}

describe('device code', () => {
  it('answers JSON with Accept: application/json', async () => {
    const res = await start();
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['device_code']).toMatch(/^[0-9a-f]{40}$/);
    expect(body['user_code']).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(body['verification_uri']).toBe(`${fake.url}/login/device`);
    expect(body['expires_in']).toBe(900);
    expect(body['interval']).toBe(0);
    expect(fake.lastDeviceCode()).toEqual({ deviceCode: body['device_code'], userCode: body['user_code'] });
  });

  it('answers form-urlencoded by default and accepts a form body', async () => {
    const res = await start({ 'content-type': 'application/x-www-form-urlencoded' }, 'client_id=Iv1.FAKE&scope=read%3Auser');
    expect(res.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    const form = new URLSearchParams(await res.text());
    expect(form.get('device_code')).toMatch(/^[0-9a-f]{40}$/);
    expect(form.get('interval')).toBe('0');
    expect(fake.requests.at(-1)?.body).toEqual({ client_id: 'Iv1.FAKE', scope: 'read:user' });
  });

  it('rejects a missing client_id', async () => {
    const res = await start(json, JSON.stringify({ scope: 'read:user' }));
    expect(((await res.json()) as Record<string, unknown>)['error']).toBe('incorrect_client_credentials');
  });
});

describe('polling', () => {
  it('is pending for pendingPolls polls, then hands out the default token', async () => {
    fake.knobs.pendingPolls = 2;
    const code = await startJson();
    expect((await poll(code.device_code)).body['error']).toBe('authorization_pending');
    expect((await poll(code.device_code)).body['error']).toBe('authorization_pending');
    const done = await poll(code.device_code);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ access_token: fake.defaultToken, token_type: 'bearer', scope: 'read:user' });
    expect(fake.counters.devicePolls).toBe(3);
    // Redeemed codes stay dead.
    expect((await poll(code.device_code)).body['error']).toBe('incorrect_device_code');
  });

  it('answers form-urlencoded polls without Accept', async () => {
    fake.knobs.pendingPolls = 0;
    const code = await startJson();
    const body = new URLSearchParams({ client_id: 'Iv1.FAKE', device_code: code.device_code, grant_type: GRANT }).toString();
    const res = await fetch(`${fake.url}/login/oauth/access_token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(await res.text()).get('access_token')).toBe(fake.defaultToken);
  });

  it('uses pollErrorStatus for error answers', async () => {
    fake.knobs.pollErrorStatus = 400;
    const code = await startJson();
    const pending = await poll(code.device_code);
    expect(pending.status).toBe(400);
    expect(pending.body['error']).toBe('authorization_pending');
  });

  it('answers slow_down with interval + 5 when polled too fast', async () => {
    fake.knobs.deviceInterval = 1;
    fake.knobs.pendingPolls = 5;
    const code = await startJson();
    expect(code.interval).toBe(1);
    expect((await poll(code.device_code)).body['error']).toBe('authorization_pending');
    const slow = await poll(code.device_code);
    expect(slow.body).toMatchObject({ error: 'slow_down', interval: 6 });
    const slower = await poll(code.device_code);
    expect(slower.body).toMatchObject({ error: 'slow_down', interval: 11 });
  });

  it('does not enforce the interval when enforceSlowDown is off', async () => {
    fake.knobs.deviceInterval = 60;
    fake.knobs.enforceSlowDown = false;
    const code = await startJson();
    expect((await poll(code.device_code)).body['error']).toBe('authorization_pending');
    expect((await poll(code.device_code)).body['access_token']).toBe(fake.defaultToken);
  });

  it('expires by outcome and by the real clock, and the code stays dead', async () => {
    fake.deviceOutcome = 'expire';
    expect(fake.knobs.deviceOutcome).toBe('expire');
    fake.knobs.pendingPolls = 0;
    const code = await startJson();
    expect((await poll(code.device_code)).body['error']).toBe('expired_token');
    fake.deviceOutcome = 'approve';
    expect((await poll(code.device_code)).body['error']).toBe('expired_token');

    fake.knobs.deviceExpiresIn = 0;
    const late = await startJson();
    await new Promise((r) => setTimeout(r, 5));
    expect((await poll(late.device_code)).body['error']).toBe('expired_token');
  });

  it('denies, and the denied code stays dead', async () => {
    fake.knobs.deviceOutcome = 'deny';
    const code = await startJson();
    expect((await poll(code.device_code)).body['error']).toBe('authorization_pending');
    expect((await poll(code.device_code)).body['error']).toBe('access_denied');
    fake.knobs.deviceOutcome = 'approve';
    expect((await poll(code.device_code)).body['error']).toBe('access_denied');
  });

  it('stays pending in manual mode until approveDevice, then issues that login\'s token', async () => {
    fake.knobs.deviceOutcome = 'manual';
    const code = await startJson();
    for (let i = 0; i < 3; i++) expect((await poll(code.device_code)).body['error']).toBe('authorization_pending');
    fake.approveDevice(code.user_code, 'hubot');
    const done = await poll(code.device_code);
    expect(done.body['access_token']).toMatch(/^ghu_FAKE/);
    expect(done.body['access_token']).not.toBe(fake.defaultToken);
    const user = await fetch(`${fake.url}/user`, { headers: { authorization: `token ${String(done.body['access_token'])}` } });
    expect(((await user.json()) as { login: string }).login).toBe('hubot');
  });

  it('rejects bad grant types, unknown codes and wrong client ids', async () => {
    const code = await startJson();
    expect((await poll(code.device_code, { grant_type: 'password' })).body['error']).toBe('unsupported_grant_type');
    expect((await poll('0'.repeat(40))).body['error']).toBe('incorrect_device_code');
    expect((await poll(code.device_code, { client_id: 'Iv1.OTHER' })).body['error']).toBe('incorrect_client_credentials');
    expect((await poll(code.device_code, { client_id: '' })).body['error']).toBe('incorrect_client_credentials');
  });
});
