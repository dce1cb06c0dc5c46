import { randomBytes } from 'node:crypto';
import type { Reply } from './http-util.js';
import type { DeviceCode, FakeState } from './state.js';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ0123456789';

/** Device-flow params come from a JSON or form body (and, like GitHub, the query string). */
function params(body: unknown, query: string): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(new URLSearchParams(query));
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number') out[key] = String(value);
    }
  }
  return out;
}

function userCode(): string {
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** Real GitHub answers form-urlencoded unless asked for JSON. */
function answer(reply: Reply, wantsJson: boolean, status: number, fields: Record<string, string | number>): void {
  if (wantsJson) reply.json(status, fields);
  else reply.form(status, fields);
}

function wantsJson(headers: Record<string, string>): boolean {
  return (headers['accept'] ?? '').toLowerCase().includes('application/json');
}

const DESCRIPTIONS: Record<string, string> = {
  authorization_pending: 'The authorization request is still pending.',
  slow_down: 'Too many requests have been made in the same timeframe.',
  expired_token: 'The device code has expired.',
  access_denied: 'The authorization request was denied.',
  unsupported_grant_type: 'The grant type is not supported.',
  incorrect_client_credentials: 'The client_id is not valid.',
  incorrect_device_code: 'The device_code provided is not valid.',
};

function error(state: FakeState, reply: Reply, json: boolean, code: string, extra: Record<string, string | number> = {}): void {
  answer(reply, json, state.knobs.pollErrorStatus, {
    error: code,
    error_description: DESCRIPTIONS[code] ?? code,
    error_uri: 'https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow',
    ...extra,
  });
}

export function handleDeviceCode(state: FakeState, reply: Reply, headers: Record<string, string>, body: unknown, query: string): void {
  const json = wantsJson(headers);
  const p = params(body, query);
  if (!p['client_id']) return error(state, reply, json, 'incorrect_client_credentials');
  const code: DeviceCode = {
    deviceCode: randomBytes(20).toString('hex'),
    userCode: userCode(),
    clientId: p['client_id'],
    scope: p['scope'] ?? '',
    expiresAtMs: Date.now() + state.knobs.deviceExpiresIn * 1000,
    interval: state.knobs.deviceInterval,
    lastPollAt: null,
    polls: 0,
    state: 'pending',
    approvedLogin: null,
  };
  state.deviceCodes.set(code.deviceCode, code);
  state.lastDeviceCode = code;
  answer(reply, json, 200, {
    device_code: code.deviceCode,
    user_code: code.userCode,
    verification_uri: `${state.url}/login/device`,
    expires_in: state.knobs.deviceExpiresIn,
    interval: code.interval,
  });
}

export function handlePoll(state: FakeState, reply: Reply, headers: Record<string, string>, body: unknown, query: string): void {
  state.counters.devicePolls++;
  const json = wantsJson(headers);
  const p = params(body, query);
  if (p['grant_type'] !== GRANT_TYPE) return error(state, reply, json, 'unsupported_grant_type');
  const code = p['device_code'] ? state.deviceCodes.get(p['device_code']) : undefined;
  if (!p['client_id'] || (code && code.clientId !== p['client_id'])) return error(state, reply, json, 'incorrect_client_credentials');
  if (!code) return error(state, reply, json, 'incorrect_device_code');

  // A code that was denied, expired or redeemed stays dead.
  if (code.state === 'denied') return error(state, reply, json, 'access_denied');
  if (code.state === 'expired') return error(state, reply, json, 'expired_token');
  if (code.state === 'redeemed') return error(state, reply, json, 'incorrect_device_code');

  const now = Date.now();
  const tooSoon = code.lastPollAt !== null && now - code.lastPollAt < code.interval * 1000;
  code.lastPollAt = now;
  if (state.knobs.enforceSlowDown && tooSoon) {
    code.interval += 5;
    return error(state, reply, json, 'slow_down', { interval: code.interval });
  }
  if (now > code.expiresAtMs) {
    code.state = 'expired';
    return error(state, reply, json, 'expired_token');
  }

  code.polls++;
  const outcome = state.knobs.deviceOutcome;
  if (code.approvedLogin === null) {
    if (outcome === 'manual' || code.polls <= state.knobs.pendingPolls) return error(state, reply, json, 'authorization_pending');
    if (outcome === 'deny') {
      code.state = 'denied';
      return error(state, reply, json, 'access_denied');
    }
    if (outcome === 'expire') {
      code.state = 'expired';
      return error(state, reply, json, 'expired_token');
    }
    code.approvedLogin = 'octocat';
  }
  const account = state.accountByLogin(code.approvedLogin) ?? state.addAccount({ login: code.approvedLogin });
  code.state = 'redeemed';
  answer(reply, json, 200, { access_token: account.githubToken, token_type: 'bearer', scope: code.scope });
}

/** Test control: the user approved this code in the browser (takes effect on the next poll). */
export function approveDevice(state: FakeState, userCode: string, login = 'octocat'): void {
  for (const code of state.deviceCodes.values()) {
    if (code.userCode === userCode) {
      if (code.state !== 'pending') throw new Error(`device code ${userCode} is ${code.state}`);
      code.approvedLogin = login;
      return;
    }
  }
  throw new Error(`unknown user code ${userCode}`);
}
