import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

/** UtilityProcess as docs/api/utility-process.md describes it: 'spawn' once started, postMessage, 'message', 'exit' with the code, kill(), piped stdout/stderr. */
class UtilityProcessMock extends EventEmitter {
  readonly posted: unknown[] = [];
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  killed = 0;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
}
const forks: { modulePath: string; args: string[]; options: Record<string, unknown>; child: UtilityProcessMock }[] = [];
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) => {
      const child = new UtilityProcessMock();
      forks.push({ modulePath, args, options, child });
      return child;
    },
  },
}));

const { spawnServiceProcess } = await import('./service-process.js');

describe('the service in a utility process', () => {
  it('forks the ESM entry with piped output, holds requests until spawn, maps exit codes and kill', async () => {
    const lines: string[] = [];
    const proc = spawnServiceProcess({ entry: '/app/dist/main/service.js', env: { COPILOT_RELAY_HOME: '/h' }, debug: true, onOutput: (line) => lines.push(line) });
    const { modulePath, args, options, child } = forks[0]!;
    expect(modulePath).toBe('/app/dist/main/service.js');
    expect(args).toEqual(['--debug']);
    expect(options).toMatchObject({ env: { COPILOT_RELAY_HOME: '/h' }, stdio: 'pipe', serviceName: 'Copilot Relay service' });

    proc.send({ type: 'request', id: 1, method: 'getStatus', params: null });
    expect(child.posted).toEqual([]);
    child.emit('spawn');
    expect(child.posted).toEqual([{ type: 'request', id: 1, method: 'getStatus', params: null }]);
    proc.send({ type: 'request', id: 2, method: 'checkNow', params: null });
    expect(child.posted).toHaveLength(2);

    const received: unknown[] = [];
    proc.onMessage((raw) => received.push(raw));
    child.emit('message', { type: 'event', event: 'ready' });
    expect(received).toEqual([{ type: 'event', event: 'ready' }]);

    child.stderr.write('2026-11-23T10:00:00.000Z INFO hello\npartial');
    child.stderr.end(' line\n');
    await vi.waitFor(() => expect(lines).toEqual(['2026-11-23T10:00:00.000Z INFO hello', 'partial line']));

    const exits: unknown[] = [];
    proc.onExit((code, signal) => exits.push([code, signal]));
    proc.kill();
    expect(child.killed).toBe(1);
    child.emit('exit', 143);
    expect(exits).toEqual([[143, null]]);
  });
});
