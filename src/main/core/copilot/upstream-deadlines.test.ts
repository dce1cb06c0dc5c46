import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamDeadlines } from './upstream-deadlines.js';

/** Real sockets against a local server that answers late, stalls mid-body, or trickles steadily. */
let server: Server;
let port: number;
const agent = new Agent({ keepAlive: true });
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    if (req.url === '/never') return;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    if (req.url === '/stall') return;
    // /trickle: a chunk every 40 ms for 400 ms, then the end.
    let n = 0;
    const timer = setInterval(() => {
      res.write(`chunk${n} `);
      if (++n === 10) {
        clearInterval(timer);
        res.end('done');
      }
    }, 40);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  agent.destroy();
  for (const res of open) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function fetchThrough(deadlines: UpstreamDeadlines, path: string): Promise<{ status: 'ok'; body: string } | { status: 'error'; error: Error & { code?: string; status?: number }; at: 'headers' | 'body' }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent });
    const watch = deadlines.watch(req);
    let responded = false;
    req.on('close', () => watch.done());
    // Destroying the response with an error reaches the request too: whichever reports first.
    req.on('error', (error) => resolve({ status: 'error', error, at: responded ? 'body' : 'headers' }));
    req.on('response', (res) => {
      responded = true;
      watch.responded(res);
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: 'ok', body }));
      res.on('error', (error) => resolve({ status: 'error', error, at: 'body' }));
    });
    req.end();
  });
}

describe('UpstreamDeadlines', () => {
  it('answers 504 when response headers do not come in time', async () => {
    const deadlines = new UpstreamDeadlines(150, 10_000);
    const started = Date.now();
    const result = await fetchThrough(deadlines, '/never');
    const took = Date.now() - started;
    expect(result).toMatchObject({ status: 'error', at: 'headers', error: { status: 504, message: 'The Copilot API did not answer in time.' } });
    // Fires at the timeout, at most one sweep interval (150 / 4 ms) late, plus scheduling slack.
    expect(took).toBeGreaterThanOrEqual(145);
    expect(took).toBeLessThan(600);
  });

  it('cuts a body that goes silent for longer than the body timeout', async () => {
    const deadlines = new UpstreamDeadlines(10_000, 150);
    const started = Date.now();
    const result = await fetchThrough(deadlines, '/stall');
    expect(result).toMatchObject({ status: 'error', at: 'body', error: { code: 'UND_ERR_BODY_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('leaves a slow but steady stream alone, however long it runs in total', async () => {
    // Body timeout 150 ms, a chunk every 40 ms for 400 ms in total.
    const deadlines = new UpstreamDeadlines(10_000, 150);
    const result = await fetchThrough(deadlines, '/trickle');
    expect(result).toEqual({ status: 'ok', body: 'first chunk0 chunk1 chunk2 chunk3 chunk4 chunk5 chunk6 chunk7 chunk8 chunk9 done' });
  });

  it('forgets finished requests and stops sweeping once nothing is in flight', async () => {
    const deadlines = new UpstreamDeadlines(10_000, 150);
    await Promise.all([fetchThrough(deadlines, '/trickle'), fetchThrough(deadlines, '/trickle')]);
    expect(deadlines.size).toBe(0);
    // The next sweep (≤ 150/4 ms away) finds nothing and stops the timer.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(deadlines.sweeping).toBe(false);
  });
});
