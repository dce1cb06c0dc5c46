// `copilot-relay models` and `models enable` on the BUILT CLI (bin/copilot-relay.js → dist/cli), in
// child processes, against the fake upstream; plus the client identity as the built CLI sends it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSettings } from '../../src/main/core/settings/store.js';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { childEnv, cliDone } from '../lifecycle/harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const root = fileURLToPath(new URL('../../', import.meta.url));
let fake: FakeUpstream;
let home: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/cli/index.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  fake = await startFakeUpstream();
  home = await mkdtemp(join(tmpdir(), 'relay-models-cli-'));
}, 120_000);
afterEach(() => fake.reset());
afterAll(async () => {
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

function cli(args: string[], extra: NodeJS.ProcessEnv = {}): ReturnType<typeof cliDone> {
  return cliDone(args, childEnv(fake.url, home, { COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken, ...extra }));
}

const capi = (path: string) => fake.requests.filter((r) => r.path === `/capi${path}`);

describe('copilot-relay models (built CLI)', () => {
  it('lists every model with vendor, limits, endpoints, billing and policy; utility models marked hidden', async () => {
    const { code, stdout } = await cli(['models']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +VENDOR +CONTEXT +OUTPUT +ENDPOINTS +BILLING +POLICY$/);
    expect(lines.find((l) => l.startsWith('gpt-5.4 '))).toMatch(/OpenAI +1\.05M +128k +responses, responses-ws +1×, \$2\.50\/\$15\.00 per M +enabled/);
    expect(lines.find((l) => l.startsWith('claude-opus-4.5 '))).toMatch(/Anthropic +200k +32k +chat, messages +3× +requires_consent → copilot-relay models enable claude-opus-4\.5$/);
    expect(lines.find((l) => l.startsWith('gpt-4o-mini'))).toMatch(/^gpt-4o-mini \(hidden\)/);
    expect(stdout).toContain('`copilot-relay models enable <id>` accepts their terms');
    // The client identity the built CLI sends on Copilot API calls.
    expect(capi('/models').at(-1)!.headers).toMatchObject({ 'x-github-api-version': '2026-08-01', 'editor-version': 'vscode/1.121.0', 'editor-plugin-version': 'copilot-chat/0.49.0', 'openai-intent': 'model-access' });
    expect(fake.requests.find((r) => r.path === '/copilot_internal/v2/token')?.headers['x-github-api-version']).toBe('2025-04-01');
  });

  it('--json prints one object with the models', async () => {
    const { code, stdout } = await cli(['models', '--json']);
    expect(code).toBe(0);
    const { models } = JSON.parse(stdout) as { models: Json[] };
    expect(models.find((m) => m.id === 'gpt-5-codex')).toEqual({
      id: 'gpt-5-codex',
      name: 'GPT-5-Codex',
      vendor: 'OpenAI',
      type: 'chat',
      contextWindow: 400_000,
      maxPromptTokens: 272_000,
      maxOutputTokens: 128_000,
      endpoints: ['/responses', 'ws:/responses'],
      billing: { premium: true, multiplier: 1, tokenPrices: null },
      policy: 'enabled',
      listed: true,
    });
    expect(models.find((m) => m.id === 'text-embedding-3-small')).toMatchObject({ listed: false, type: 'embeddings' });
    expect(models.find((m) => m.id === 'auto')).toMatchObject({ policy: null, endpoints: ['/chat/completions'] });
  });

  it('models enable <id> accepts the policy once, by any spelling; never on its own', async () => {
    await cli(['models']);
    expect(capi('/models/claude-opus-4.5/policy')).toHaveLength(0);
    const enabled = await cli(['models', 'enable', 'claude-opus-4-5']);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toBe('Enabled claude-opus-4.5 for your GitHub Copilot account (terms: Enable access to the latest Claude Opus model from Anthropic).\n');
    expect(capi('/models/claude-opus-4.5/policy')).toHaveLength(1);
    expect(capi('/models/claude-opus-4.5/policy')[0]).toMatchObject({ method: 'POST', body: { state: 'enabled' } });
    const again = await cli(['models', 'enable', 'claude-opus-4.5']);
    expect(again).toMatchObject({ code: 0, stdout: 'claude-opus-4.5 is already enabled.\n' });
    expect(capi('/models/claude-opus-4.5/policy')).toHaveLength(1);
  });

  it('answers unknown ids and bad usage with one line and a non-zero exit', async () => {
    const unknown = await cli(['models', 'enable', 'claude-opus-9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n').at(-1)).toBe('No model "claude-opus-9" in your Copilot model list. Close matches: claude-opus-4.5, claude-opus-4.6, claude-haiku-4.5, claude-sonnet-4.5. Run `copilot-relay models` for the ids.');
    for (const args of [['models', 'enable'], ['models', 'frobnicate'], ['models', 'enable', 'a', 'b']]) {
      const bad = await cli(args);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('Usage: copilot-relay models');
    }
    const signedOut = await cli(['models', '--insecure-storage'], { COPILOT_RELAY_GITHUB_TOKEN: '' });
    expect(signedOut.code).toBe(1);
    expect(signedOut.stderr).toContain('copilot-relay login');
  });
});

describe('client identity on the built CLI', () => {
  it('an invalid COPILOT_RELAY_CLIENT_IDENTITY stops every command with one line naming the variable', async () => {
    for (const args of [['models'], ['status', '--json']]) {
      const { code, stdout, stderr } = await cli(args, { COPILOT_RELAY_CLIENT_IDENTITY: '{"editorVersion": vscode}' });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^COPILOT_RELAY_CLIENT_IDENTITY is not a valid client identity: not JSON/);
    }
  });

  it('takes the clientIdentity setting from config.json; COPILOT_RELAY_CLIENT_IDENTITY wins field by field', async () => {
    const settings = openSettings({ cwd: home });
    settings.set('clientIdentity', { editorPluginVersion: 'copilot-chat/0.51.0', apiVersion: '2026-09-01' });
    try {
      expect((await cli(['models', '--json'])).code).toBe(0);
      expect(capi('/models').at(-1)!.headers).toMatchObject({ 'editor-plugin-version': 'copilot-chat/0.51.0', 'x-github-api-version': '2026-09-01', 'editor-version': 'vscode/1.121.0' });
      expect((await cli(['models', '--json'], { COPILOT_RELAY_CLIENT_IDENTITY: '{"apiVersion":"2026-10-01"}' })).code).toBe(0);
      expect(capi('/models').at(-1)!.headers).toMatchObject({ 'editor-plugin-version': 'copilot-chat/0.51.0', 'x-github-api-version': '2026-10-01' });
      expect(() => settings.set('clientIdentity', { editorversion: 'x' } as never)).toThrow(/Invalid value for setting clientIdentity/);
    } finally {
      settings.set('clientIdentity', null);
    }
  });

  it('HTTP 466 says the identity is outdated and how to override it; the override fixes it without a release', async () => {
    fake.knobs.clientNotSupportedBelow = '2027-01-01';
    const refused = await cli(['models']);
    expect(refused.code).toBe(1);
    const line = refused.stderr.trim().split('\n').at(-1)!;
    expect(line).toMatch(/^GitHub no longer accepts this client identity \(vscode\/1\.121\.0, copilot-chat\/0\.49\.0, API version 2026-08-01\); the Copilot API answered HTTP 466/);
    expect(line).toContain('Set COPILOT_RELAY_CLIENT_IDENTITY to a current identity');
    const identity = JSON.stringify({ editorVersion: 'vscode/1.130.0', editorPluginVersion: 'copilot-chat/0.58.0', apiVersion: '2027-01-01' });
    const fixed = await cli(['models', '--json'], { COPILOT_RELAY_CLIENT_IDENTITY: identity });
    expect(fixed.code).toBe(0);
    expect(capi('/models').at(-1)!.headers).toMatchObject({ 'x-github-api-version': '2027-01-01', 'editor-version': 'vscode/1.130.0', 'editor-plugin-version': 'copilot-chat/0.58.0' });
  });
});
