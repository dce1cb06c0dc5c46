import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../../../test/fake-github/index.js';
import type { FakeUpstream } from '../../../../test/fake-github/index.js';
import { TestSessionProvider } from '../../../../test/proxy/session-provider.js';
import { eventually, raw } from '../../../../test/proxy/helpers.js';
import { silentLogger } from '../log/logger.js';
import { createProxyServer } from '../proxy/server.js';
import type { ProxyServer } from '../proxy/server.js';
import { openLedgerDatabase } from './ledger-db.js';
import { recentRows } from './ledger-queries.js';
import { UsageTracker } from './tracker.js';

let fake: FakeUpstream;
let proxy: ProxyServer;
let tracker: UsageTracker;
let url: string;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'relay-usage-proxy-'));
  fake = await startFakeUpstream();
  tracker = new UsageTracker({ home, logger: silentLogger, flushMs: 20 });
  proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger: silentLogger, usage: tracker, idleMemoryTrim: false });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  await proxy?.close();
  await tracker?.close();
  await fake?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('usage tracker behind the proxy', () => {
  it('records each request in the ledger with the caller identified by its User-Agent (health probes left out)', async () => {
    const host = new URL(url).host;
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    await raw(url, { path: '/v1/models', headers: { host, 'user-agent': 'curl/8.5.0' } });
    await raw(url, { path: '/health', headers: { host } });
    await raw(url, { path: '/nope', headers: { host, 'user-agent': 'python-httpx/0.27.0' } });
    // A second connection reads what the relay's writer flushed (as the CLI does).
    const reader = openLedgerDatabase(join(home, 'usage.db'), { logger: silentLogger });
    try {
      await eventually(() => recentRows(reader, 10).length === 3);
      const rows = recentRows(reader, 10).reverse();
      expect(rows.map((r) => [r.client, r.method, r.path, r.status])).toEqual([
        ['OpenAI SDK (JS)', 'POST', '/v1/chat/completions', 200],
        ['curl', 'GET', '/v1/models', 200],
        ['python-httpx', 'GET', '/nope', 404],
      ]);
      expect(rows[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    } finally {
      reader.close();
    }
  });
});
