import type { FetchLike } from './http.js';

/** Test helper: a fetch that answers from a script, records calls and counts concurrency. No network. */
export interface ScriptedCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export type ScriptedAnswer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

export function scriptedFetch(handler: (call: ScriptedCall, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>) {
  const calls: ScriptedCall[] = [];
  const stats = { inFlight: 0, maxInFlight: 0 };
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const call = { method: init?.method ?? 'GET', path: url.pathname, headers, body };
    calls.push(call);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      if (init?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      const answer = await handler(call, calls.length - 1);
      if (answer instanceof Error) throw answer;
      const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      return new Response(text, { status: answer.status, headers: answer.headers });
    } finally {
      stats.inFlight--;
    }
  };
  return { fetch, calls, stats };
}
