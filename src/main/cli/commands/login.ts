import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { openRuntime } from '../runtime.js';
import type { RuntimeOptions } from '../runtime.js';
import { showSignInPrompt } from '../terminal.js';
import { completeSignIn, signInWithDeviceFlow } from '../../core/auth/sign-in.js';
import { importEditorToken } from '../../core/auth/import-editor-token.js';
import { normalizeEnterpriseHost, resolveClientId } from '../../core/config/endpoints.js';
import { isRelayError } from '../../core/errors.js';
import type { Settings } from '../../core/settings/schema.js';

/** `copilot-relay login [--enterprise HOST] [--import] [--insecure-storage]` */
export async function run(ctx: CliContext, inject: Pick<RuntimeOptions, 'fetch' | 'store' | 'logger'> = {}): Promise<number> {
  const { values } = parseArgs({
    args: ctx.argv,
    options: {
      enterprise: { type: 'string' },
      import: { type: 'boolean', default: false },
      'insecure-storage': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const enterprise = values.enterprise === undefined ? undefined : normalizeEnterpriseHost(values.enterprise) || null;
  const runtime = openRuntime(ctx, { logLevel: 'warn', ...inject, enterprise, insecureStorage: values['insecure-storage'], ignoreEnvToken: true });
  try {
    const { endpoints, logger } = runtime;
    // Fail on a missing keychain now, not after the user has entered the code.
    await runtime.store.get(endpoints.accountKey);
    let login: string;
    if (values.import) {
      const imported = await importEditorToken({ host: endpoints.enterprise ?? 'github.com', env: ctx.env });
      logger.addSecret(imported.token);
      writeLine(ctx.stdout, `Using the Copilot sign-in from ${imported.source}`);
      ({ login } = await completeSignIn({ endpoints, tokens: runtime.tokens, githubToken: imported.token, fetch: runtime.fetch, signal: ctx.signal }));
    } else {
      const waits: Promise<unknown>[] = [];
      ({ login } = await signInWithDeviceFlow({
        endpoints,
        clientId: resolveClientId(ctx.env),
        tokens: runtime.tokens,
        fetch: runtime.fetch,
        signal: ctx.signal,
        onPrompt: (prompt) => void waits.push(showSignInPrompt(prompt, ctx)),
      }));
      await Promise.all(waits);
    }
    const remember: Partial<Settings> = { enterprise: endpoints.enterprise, lastLogin: login, ...(values['insecure-storage'] ? { insecureStorage: true } : {}) };
    try {
      runtime.settings.update(remember);
    } catch (error) {
      // A read-only settings folder: the token is stored all the same; say what was not remembered.
      const hint = values['insecure-storage'] ? ' Pass --insecure-storage to every command.' : '';
      writeLine(ctx.stderr, `Note: ${isRelayError(error) ? error.message : String(error)}${hint}`);
    }
    writeLine(ctx.stdout, `Signed in as ${login}`);
    if (ctx.env.COPILOT_RELAY_GITHUB_TOKEN) writeLine(ctx.stderr, 'Note: COPILOT_RELAY_GITHUB_TOKEN is set and overrides the stored sign-in.');
    try {
      // One attempt, no waiting out a flaky GitHub: the sign-in itself is done and stored.
      const session = await runtime.tokens.getSession();
      writeLine(ctx.stdout, session.mode === 'direct' ? 'Copilot access confirmed (direct mode).' : 'Copilot access confirmed.');
    } catch (error) {
      if (isRelayError(error) && error.transient) {
        writeLine(ctx.stderr, `Signed in, but could not check Copilot access yet: ${error.message}`);
        return 0;
      }
      throw error;
    }
    return 0;
  } finally {
    runtime.close();
  }
}
