/**
 * One benchmark proxy per process, so each one's CPU time and RSS are measured on its own:
 * `passthrough` (bench/passthrough.ts) or `relay` (the real proxy). Bundled by esbuild like the CLI.
 * Talks to the parent over IPC: {ready,url,...} once listening, {cpu,rss,maxRss,mem,loopMs} on {cmd:'stats'}
 * (loopMs: the main thread's busy time, performance.eventLoopUtilization().active; `cpu` also counts worker threads).
 * BENCH_V8_RUNTIME_FLAGS: V8 flags set at run time (v8.setFlagsFromString), to try GC settings.
 * BENCH_RELAY_LEDGER=1: the relay records every request in the usage ledger (SQLite in a temp dir), as the app does;
 * `memory`: the usage tracker without a database (what the observer costs before SQLite).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { copilotRequestHeaders } from '../src/main/core/copilot/headers.js';
import { createLogger, silentLogger } from '../src/main/core/log/logger.js';
import { createBatchedSink } from '../src/main/core/proxy/log-sink.js';
import { createProxyServer } from '../src/main/core/proxy/server.js';
import { healthInfo } from '../src/main/core/service/health.js';
import { openAccountCore } from '../src/main/core/token/account-core.js';
import { UsageTracker } from '../src/main/core/usage/tracker.js';
import { TestSessionProvider } from '../test/proxy/session-provider.js';
import { startPassThrough } from './passthrough.js';

for (const flag of (process.env.BENCH_V8_RUNTIME_FLAGS ?? '').split(' ').filter(Boolean)) setFlagsFromString(flag);
const role = process.argv[2];
const send = (message: unknown) => process.send?.(message);

process.on('message', (message: { cmd?: string }) => {
  if (message.cmd === 'gc') (globalThis as { gc?: () => void }).gc?.();
  if (message.cmd === 'stats') send({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024, mem: process.memoryUsage(), loopMs: performance.eventLoopUtilization().active });
  if (message.cmd === 'exit') void stopAllocationProfile().finally(() => process.exit(0));
});

/**
 * BENCH_ALLOC_PROFILE=file.heapprofile: V8's sampling heap profiler from start-up to exit, keeping
 * the samples of objects the GC already freed (node --heap-prof keeps only survivors), so the
 * profile shows where the bytes allocated per request come from. Open it in Chrome DevTools.
 */
const allocationProfile = process.env.BENCH_ALLOC_PROFILE ? new Session() : null;
if (allocationProfile) {
  allocationProfile.connect();
  allocationProfile.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
function stopAllocationProfile(): Promise<void> {
  if (!allocationProfile) return Promise.resolve();
  return new Promise((resolve) =>
    allocationProfile.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(process.env.BENCH_ALLOC_PROFILE!, JSON.stringify(result.profile));
      resolve();
    }),
  );
}
process.on('disconnect', () => process.exit(0));

async function main(): Promise<void> {
  const githubUrl = process.env.BENCH_FAKE_URL!;
  const githubToken = process.env.BENCH_FAKE_TOKEN!;
  if (role === 'passthrough') {
    const session = await new TestSessionProvider(githubUrl, githubToken).getSession();
    const headers = copilotRequestHeaders({ bearer: session.token, intent: 'conversation-panel', initiator: 'user', requestId: 'bench', json: true });
    const proxy = await startPassThrough({ upstream: session.apiBaseUrl, headers });
    send({ ready: true, url: proxy.url, sessionToken: session.token });
    return;
  }
  if (role === 'relay') {
    // The real logger (one line per request, batched as `serve` does) to stderr, which the parent discards.
    const logger = process.env.BENCH_RELAY_SILENT === '1' ? silentLogger : process.env.BENCH_RELAY_UNBATCHED === '1' ? createLogger() : createLogger({ sink: createBatchedSink() });
    // The real token core as `serve` builds it (COPILOT_RELAY_GITHUB_TOKEN: token in memory, no keychain),
    // exchanging against the fake: each request pays the TokenManager's getSession like a user's does.
    const { tokens } = openAccountCore({
      env: { COPILOT_RELAY_GITHUB_URL: githubUrl, COPILOT_RELAY_GITHUB_API_URL: githubUrl },
      enterprise: null,
      envToken: githubToken,
      insecureStorage: false,
      home: '/nonexistent',
      logger,
    });
    const session = await tokens.getSession();
    // BENCH_RELAY_TRIM_IDLE_MS: the idle-trim delay (default: the product's).
    const trimIdle = process.env.BENCH_RELAY_TRIM_IDLE_MS ? { idleMs: Number(process.env.BENCH_RELAY_TRIM_IDLE_MS) } : undefined;
    const ledger = process.env.BENCH_RELAY_LEDGER;
    const usage = ledger === '1' || ledger === 'memory' ? new UsageTracker({ home: ledger === '1' ? mkdtempSync(join(tmpdir(), 'relay-bench-ledger-')) : null, logger }) : undefined;
    const relay = createProxyServer({ sessions: tokens, logger, idleMemoryTrim: trimIdle, usage, health: () => healthInfo({ tokens: tokens.state(), login: null, enterprise: null, now: Date.now() }, true) });
    const { url } = await relay.listen({ port: 0, host: '127.0.0.1' });
    send({ ready: true, url, sessionToken: session.token });
    return;
  }
  throw new Error(`unknown role ${role}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
