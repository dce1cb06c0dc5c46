/**
 * A fake GitHub + Copilot upstream for tests: one loopback HTTP server that serves the device flow
 * (`/login/...`), the GitHub API (`/user`, `/copilot_internal/...`) and the Copilot API under
 * `/capi`, strict about auth and headers, with knobs for faults and a record of every request.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleCapi } from './capi.js';
import { approveDevice, handleDeviceCode, handlePoll } from './device-flow.js';
import { handleCopilotUser, handleExchange, handleUser } from './github-api.js';
import { Reply, flattenHeaders, parseBody, readRawBody } from './http-util.js';
import { FakeState } from './state.js';
import type { DeviceOutcome, FakeAccountInit, FakeKnobs, FakeUpstream } from './types.js';

export type { DeviceOutcome, FakeAccountInit, FakeCounters, FakeKnobs, FakeUpstream, RecordedRequest } from './types.js';
export { defaultKnobs } from './types.js';
export { FAKE_MODELS, MALFORMED_MODELS } from './models.js';
export { toolCallPrompt } from './tool-request.js';
export type { ToolCallMode } from './tool-request.js';

async function route(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = new Reply(req, res, state.counters, state.closing.signal);
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const path = url.pathname;
  const query = url.search.replace(/^\?/, '');
  const headers = flattenHeaders(req);
  const raw = await readRawBody(req);
  const body = parseBody(raw, headers['content-type']);
  const method = (req.method ?? 'GET').toUpperCase();
  state.requests.push({ method, path, query, headers, body, at: Date.now() });

  if (path === '/capi' || path.startsWith('/capi/')) return handleCapi(state, reply, method, path.slice('/capi'.length), headers, body);
  if (method === 'POST' && path === '/login/device/code') return handleDeviceCode(state, reply, headers, body, query);
  if (method === 'POST' && path === '/login/oauth/access_token') return handlePoll(state, reply, headers, body, query);
  if (method === 'GET' && path === '/login/device') {
    return reply.text(200, '<!doctype html><title>Fake device login</title><p>Enter your code (the fake approves automatically).</p>', 'text/html; charset=utf-8');
  }
  if (method === 'GET' && path === '/user') return handleUser(state, reply, headers);
  if (method === 'GET' && path === '/copilot_internal/v2/token') return handleExchange(state, reply, headers);
  if (method === 'GET' && path === '/copilot_internal/user') return handleCopilotUser(state, reply, headers);
  reply.json(404, { message: 'Not Found' });
}

/** Extra start options besides knobs: more accounts, and a fixed port (default 0: any free port). */
export interface FakeStartOptions {
  accounts?: FakeAccountInit[];
  port?: number;
}

export async function startFakeUpstream(options: Partial<FakeKnobs> & FakeStartOptions = {}): Promise<FakeUpstream> {
  const { accounts = [], port: wantedPort = 0, ...knobOverrides } = options;
  const state = new FakeState();
  state.startKnobs = { ...knobOverrides };
  Object.assign(state.knobs, knobOverrides);
  const defaultToken = state.addAccount({ login: 'octocat' }).githubToken;
  for (const init of accounts) state.addAccount(init);

  const sockets = new Set<Socket>();
  const unusedSockets = new WeakMap<Socket, NodeJS.Timeout>();
  const server = createServer((req, res) => {
    route(state, req, res).catch((err: unknown) => {
      // A fake bug must surface loudly in the test, not as a hang.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `fake upstream crashed: ${err instanceof Error ? err.message : String(err)}` }));
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    state.counters.openSockets++;
    state.counters.connections++;
    socket.on('close', () => {
      sockets.delete(socket);
      state.counters.openSockets--;
    });
    // idleConnectionTimeoutMs: a connection that never sends a request is closed, as real front ends do.
    const idleMs = state.knobs.idleConnectionTimeoutMs;
    if (idleMs !== null) {
      const timer = setTimeout(() => socket.destroy(), idleMs);
      unusedSockets.set(socket, timer);
      socket.once('close', () => clearTimeout(timer));
    }
  });
  server.on('request', (req: IncomingMessage) => clearTimeout(unusedSockets.get(req.socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantedPort, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;

  let closed: Promise<void> | null = null;
  const fake: FakeUpstream = {
    url: state.url,
    capiUrl: state.capiUrl,
    knobs: state.knobs,
    counters: state.counters,
    requests: state.requests,
    defaultToken,
    addAccount: (init) => state.addAccount(init).githubToken,
    revokeGithubToken(token) {
      const account = state.accounts.get(token);
      if (account) account.revoked = true;
    },
    revokeSessionTokens() {
      for (const session of state.sessions.values()) session.revoked = true;
    },
    issuedSessionTokens: () => [...state.sessions.keys()],
    get deviceOutcome(): DeviceOutcome {
      return state.knobs.deviceOutcome;
    },
    set deviceOutcome(outcome: DeviceOutcome) {
      state.knobs.deviceOutcome = outcome;
    },
    lastDeviceCode: () => (state.lastDeviceCode ? { deviceCode: state.lastDeviceCode.deviceCode, userCode: state.lastDeviceCode.userCode } : null),
    approveDevice: (userCode, login) => approveDevice(state, userCode, login),
    reset: () => state.resetCountersAndRecord(),
    close() {
      closed ??= (async () => {
        state.closing.abort();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Wait for every socket's close so counters.openSockets is settled when this resolves.
        const socketsClosed = [...sockets].map((socket) => new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.destroy();
        }));
        server.closeAllConnections();
        await Promise.all([serverClosed, ...socketsClosed]);
      })();
      return closed;
    },
  };
  return fake;
}
