/**
 * `npm start` (scripts/start.mjs) where Electron can't run: the newcomer's first run, in child
 * processes; a pseudo-terminal (util-linux `script`) stands in for a person at a terminal.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { ROOT, childEnv, messageLines, killLeftovers, removeHomes, start, stop, tempHome } from './harness.js';
import type { Running } from './harness.js';

const START = join(ROOT, 'scripts/start.mjs');
const helper = (await import(join(ROOT, 'scripts/electron-binary.mjs'))) as { findElectronBinary(): { ok: boolean } };
// Where Electron can run, `npm start` opens the tray app instead: nothing of this applies.
const headlessOnly = !helper.findElectronBinary().ok;

let fake: FakeUpstream | null = null;
const running: Running[] = [];
afterEach(async () => {
  killLeftovers();
  await Promise.all(running.splice(0).map((run) => stop(run)));
  await fake?.close();
  fake = null;
  await removeHomes();
});

/** No display: start.mjs takes the headless path even where a binary exists. */
function headlessEnv(url: string, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = childEnv(url, home, extra);
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

describe.runIf(headlessOnly)('npm start without Electron', () => {
  it('not signed in and no terminal: why Electron does not start, then one line saying what to run; exit 1', async () => {
    const run = start(process.execPath, [START, '--insecure-storage'], { env: headlessEnv('http://127.0.0.1:9', await tempHome()) });
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.stdout()).toBe('');
    expect(messageLines(run.stderr())).toEqual([expect.stringMatching(/^Electron can't start here: .*; running the headless proxy instead\.$/), 'Not signed in to GitHub. Run `copilot-relay login` first.']);
  });

  it('no keychain: the line says so and offers --insecure-storage', async () => {
    const env = headlessEnv('http://127.0.0.1:9', await tempHome());
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const run = start(process.execPath, [START], { env });
    expect((await run.exited).code).toBe(1);
    expect(messageLines(run.stderr()).at(-1)).toMatch(/^No system keychain available .*--insecure-storage/);
  });

  it.runIf(existsSync('/usr/bin/script'))('not signed in at a terminal: the device flow right there (code, URL, waiting), then serving', async () => {
    fake = await startFakeUpstream({ deviceInterval: 0, enforceSlowDown: false });
    const home = await tempHome();
    const command = `"${process.execPath}" "${START}" --port 0 --insecure-storage`;
    const run = start('script', ['-qec', command, '/dev/null'], { env: headlessEnv(fake.url, home) });
    running.push(run);
    const [, url] = await run.line(/Listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const out = run.stdout().replace(/\r/g, '');
    const code = fake.lastDeviceCode()!.userCode;
    expect(out).toContain(`Open ${fake.url}/login/device and enter this code:\n${code}\n`);
    expect(out).toContain('Waiting for you to authorize in the browser… (Ctrl-C to cancel)');
    expect(out).toContain('Signed in as octocat');
    const models = await fetch(`${url}/v1/models`);
    expect(models.status).toBe(200);
    // The sign-in is kept where --insecure-storage put it: the next start needs no flag.
    expect(existsSync(join(home, 'credentials.json'))).toBe(true);
  });
});
