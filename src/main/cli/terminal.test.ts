import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { copyToClipboard, helperEnv, openBrowser } from './terminal.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A stdout that says it is a terminal: helpers only run for a person at one. */
function tty(): Writable & { isTTY: boolean } {
  return Object.assign(new Writable({ write: (_chunk, _encoding, callback) => callback() }), { isTTY: true });
}

async function waitFor(path: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never written`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  return readFile(path, 'utf8');
}

describe('terminal helpers', () => {
  it('helperEnv drops every COPILOT_RELAY_* variable and keeps the rest', () => {
    expect(helperEnv({ PATH: '/bin', COPILOT_RELAY_GITHUB_TOKEN: 'ghu_FAKE', copilot_relay_api_key: 'k', COPILOT_RELAY_HOME: '/x', HOME: '/h' })).toEqual({ PATH: '/bin', HOME: '/h' });
  });

  it.runIf(process.platform === 'linux')('the browser opener and the clipboard tool never see COPILOT_RELAY_* secrets (RT-16)', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'relay-helpers-'));
    dirs.push(bin);
    for (const name of ['xdg-open', 'wl-copy']) {
      await writeFile(join(bin, name), `#!/bin/sh\nenv > "${join(bin, `${name}.env`)}"\ncat > /dev/null\nexit 0\n`);
      await chmod(join(bin, name), 0o755);
    }
    const env = { PATH: `${bin}:/usr/bin:/bin`, COPILOT_RELAY_GITHUB_TOKEN: 'ghu_FAKEsecretTOKEN123456', COPILOT_RELAY_API_KEY: 'cr-FAKE-key', HOME: bin };
    const ctx = { stdout: tty(), env };
    openBrowser('https://github.com/login/device', ctx, 'linux');
    expect(await copyToClipboard('ABCD-1234', ctx, 'linux')).toBe(true);
    for (const name of ['xdg-open', 'wl-copy']) {
      const seen = await waitFor(join(bin, `${name}.env`));
      expect(seen).toContain(`PATH=${bin}`);
      expect(seen).not.toMatch(/COPILOT_RELAY_/);
    }
  });
});
