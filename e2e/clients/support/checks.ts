import { FAKE_MODELS } from '../../../test/fake-github/index.js';
import type { RecordedRequest } from '../../../test/fake-github/index.js';
import { INFERENCE_PATHS } from './scenarios.js';
import type { ScenarioOutcome } from './scenario-run.js';

/**
 * Readable facts about one run, each phrased so that a failing `expect` names the defect: a list of
 * offending exchanges compared to [], never a bare boolean.
 */

function line(method: string, path: string, status: number, body: string): string {
  return `${method} ${path} → ${status || 'no answer'} ${body.slice(0, 240).replace(/\s+/g, ' ')}`;
}

/** Relay answers that were not a success (a WebSocket upgrade refused with 426 is the contract). */
export function relayErrors(o: ScenarioOutcome): string[] {
  return o.tap
    .filter((e) => !(e.status >= 200 && e.status < 300) && !(e.upgrade && e.status === 426))
    .map((e) => line(e.method, e.path, e.status, e.responseStart));
}

/** Relay errors that do not say `x-should-retry: false` (the Anthropic SDKs retry those). */
export function retryableRelayErrors(o: ScenarioOutcome): string[] {
  return o.tap
    .filter((e) => e.status >= 400 && e.status < 500 && e.status !== 426 && e.status !== 429 && e.responseHeaders['x-should-retry'] !== 'false')
    .map((e) => line(e.method, e.path, e.status, `x-should-retry=${e.responseHeaders['x-should-retry'] ?? '(absent)'}`));
}

export function upstreamInference(o: ScenarioOutcome): RecordedRequest[] {
  return o.upstream.filter((r) => r.method === 'POST' && INFERENCE_PATHS.includes(r.path));
}

function modelOf(r: RecordedRequest): string {
  return String((r.body as { model?: unknown } | null)?.model ?? '');
}

/** `POST /capi/… model=…` for every inference request upstream. */
export function upstreamCalls(o: ScenarioOutcome): string[] {
  return upstreamInference(o).map((r) => `${r.method} ${r.path.slice('/capi'.length)} model=${modelOf(r)}`);
}

export function initiators(o: ScenarioOutcome): string[] {
  return upstreamInference(o).map((r) => r.headers['x-initiator'] ?? '(none)');
}

/** The upstream requests that carry the tool's result back to the model. */
export function toolResultRequests(o: ScenarioOutcome, token: string): RecordedRequest[] {
  return upstreamInference(o).filter((r) => JSON.stringify(r.body).includes(token));
}

/** Upstream requests asking for more output than the model's `max_output_tokens` (issue #15 item 2:
 * the relay clamps). Agents send their own ceiling (Claude Code and opencode: 32000) whatever the model. */
export function unclampedOutputLimits(o: ScenarioOutcome): string[] {
  return upstreamInference(o).flatMap((r) => {
    const body = (r.body ?? {}) as Record<string, unknown>;
    const limit = FAKE_MODELS.find((m) => m.id === body['model'])?.capabilities.limits?.['max_output_tokens'];
    const field = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'].find((f) => typeof body[f] === 'number');
    if (typeof limit !== 'number' || !field || (body[field] as number) <= limit) return [];
    return [`${r.path.slice('/capi'.length)} model=${String(body['model'])} ${field}=${String(body[field])} > max_output_tokens ${limit}`];
  });
}

/** What the agent printed, both streams, for failure messages. */
export function agentOutput(o: ScenarioOutcome): string {
  const cut = (s: string) => (s.length > 1500 ? `…${s.slice(-1500)}` : s);
  return `exit ${o.run.code ?? o.run.signal} after ${o.run.ms} ms\n--- stdout\n${cut(o.run.stdout)}\n--- stderr\n${cut(o.run.stderr)}\n--- digest: ${o.digestPath}`;
}
