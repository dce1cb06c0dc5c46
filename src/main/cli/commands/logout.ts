import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { openRuntime } from '../runtime.js';
import type { RuntimeOptions } from '../runtime.js';

/** `copilot-relay logout`: deletes the stored GitHub token and every cached session token. */
export async function run(ctx: CliContext, inject: Pick<RuntimeOptions, 'store' | 'logger'> = {}): Promise<number> {
  const { values } = parseArgs({ args: ctx.argv, options: { 'insecure-storage': { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
  const runtime = openRuntime(ctx, { logLevel: 'warn', ...inject, insecureStorage: values['insecure-storage'], ignoreEnvToken: true });
  try {
    const removed = await runtime.tokens.signOut();
    runtime.settings.set('lastLogin', null);
    writeLine(ctx.stdout, removed ? `Signed out: deleted the GitHub token and cached session tokens from ${runtime.store.describe()}.` : 'Not signed in: nothing was stored.');
    if (ctx.env.COPILOT_RELAY_GITHUB_TOKEN) writeLine(ctx.stderr, 'Note: COPILOT_RELAY_GITHUB_TOKEN is still set in this environment.');
    return 0;
  } finally {
    runtime.close();
  }
}
