/**
 * Connection hygiene on the BUILT CLI in child processes: RT-07 (idle sockets exhausting the
 * descriptor limit), RT-21 (a half-closing client) and RT-20 (HEAD). The finer cases, and RT-27
 * (which needs a failing route to provoke), run in process: test/proxy/hygiene.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ensureBuilt, startServe } from './built-cli.js';

let fake: FakeUpstream;
let home: string;

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeUpstream();
  home = await mkdtemp(join(tmpdir(), 'relay-hygiene-'));
}, 60_000);
afterAll(async () => {
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ HOME: home, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken });
const chatBody = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'still here' }] });
const chat = (url: string) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody });

/**
 * Another process sends `request` and half-closes right behind it, like `nc -N`: Python's
 * sendall + shutdown(SHUT_WR), two syscalls back to back (Node's end(data) shuts down one event
 * loop turn after the write). Resolves with everything it received until the relay closed.
 */
function halfClosingClient(port: string, request: string): Promise<string> {
  const script = [
    'import socket, sys',
    's = socket.create_connection(("127.0.0.1", int(sys.argv[1])))',
    's.sendall(sys.argv[2].encode())',
    's.shutdown(socket.SHUT_WR)',
    'out = b""',
    'while True:',
    '    chunk = s.recv(65536)',
    '    if not chunk: break',
    '    out += chunk',
    'sys.stdout.write(out.decode())',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, port, request]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('the built CLI', () => {
  it('RT-07: 300 connections that never send a byte, under a 256-descriptor limit, do not lock out a real client', async () => {
    const serve = await startServe([], env(), { maxOpenFiles: 256 });
    const idle: Socket[] = [];
    try {
      const port = Number(new URL(serve.url).port);
      for (let i = 0; i < 300; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        idle.push(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let i = 0; i < 3; i++) {
        const res = await chat(serve.url);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('Echo: still here');
      }
      expect(serve.stderr()).not.toMatch(/EMFILE/);
    } finally {
      for (const socket of idle) socket.destroy();
      expect(await serve.stop()).toBe(0);
    }
  });

  it('RT-21 / RT-20: answers a half-closing client, and HEAD', async () => {
    const serve = await startServe([], env());
    try {
      const { port } = new URL(serve.url);
      const host = `127.0.0.1:${port}`;
      const answer = await halfClosingClient(port, `POST /v1/chat/completions HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(chatBody)}\r\n\r\n${chatBody}`);
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toContain('Echo: still here');

      const head = await fetch(`${serve.url}/health`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');

    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
