import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { openRuntime } from '../runtime.js';
import type { RuntimeOptions } from '../runtime.js';
import { FileSecretStore, isDamagedCredentialFile } from '../../core/secrets/file-store.js';

/** `copilot-relay logout`: deletes the stored GitHub token and every cached session token. */
export async function run(ctx: CliContext, inject: Pick<RuntimeOptions, 'store' | 'logger'> = {}): Promise<number> {
  const { values } = parseArgs({ args: ctx.argv, options: { 'insecure-storage': { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
  const runtime = openRuntime(ctx, { logLevel: 'warn', ...inject, insecureStorage: values['insecure-storage'], ignoreEnvToken: true });
  try {
    let removed: boolean;
    try {
      removed = await runtime.tokens.signOut();
    } catch (error) {
      // A damaged credential file holds nothing usable: removing it is exactly what logout is for (RT-23).
      if (!(isDamagedCredentialFile(error) && runtime.store instanceof FileSecretStore)) throw error;
      await runtime.store.removeFile();
      writeLine(ctx.stdout, `Signed out: removed the damaged credential file ${runtime.store.path}.`);
      forgetLogin(runtime, ctx);
      return 0;
    }
    forgetLogin(runtime, ctx);
    writeLine(ctx.stdout, removed ? `Signed out: deleted the GitHub token and cached session tokens from ${runtime.store.describe()}.` : 'Not signed in: nothing was stored.');
    if (ctx.env.COPILOT_RELAY_GITHUB_TOKEN) writeLine(ctx.stderr, 'Note: COPILOT_RELAY_GITHUB_TOKEN is still set in this environment.');
    return 0;
  } finally {
    runtime.close();
  }
}

/** The remembered login goes too; a read-only settings file only gets a note (the token is gone either way). */
function forgetLogin(runtime: ReturnType<typeof openRuntime>, ctx: CliContext): void {
  try {
    runtime.settings.set('lastLogin', null);
  } catch (error) {
    writeLine(ctx.stderr, `Note: ${error instanceof Error ? error.message : String(error)}`);
  }
}
