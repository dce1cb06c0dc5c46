import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { openRuntime } from '../runtime.js';
import type { RuntimeOptions } from '../runtime.js';
import { completeSignIn, signInWithDeviceFlow } from '../../core/auth/sign-in.js';
import { importEditorToken } from '../../core/auth/import-editor-token.js';
import { normalizeEnterpriseHost, resolveClientId } from '../../core/config/endpoints.js';
import { isRelayError } from '../../core/errors.js';

function interactive(ctx: CliContext): boolean {
  return Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.CI && !ctx.env.COPILOT_RELAY_NO_BROWSER;
}

/** Best effort, interactive terminals only (never in tests, CI or pipes): the code and URL are printed anyway. */
function openBrowser(url: string, ctx: CliContext): void {
  if (!interactive(ctx)) return;
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener.
  }
}

/** Best effort: pbcopy / clip / wl-copy / xclip, whichever exists. Resolves true when one took it. */
function copyToClipboard(text: string, ctx: CliContext): Promise<boolean> {
  if (!interactive(ctx)) return Promise.resolve(false);
  const candidates: [string, string[]][] =
    process.platform === 'darwin' ? [['pbcopy', []]] : process.platform === 'win32' ? [['clip', []]] : [['wl-copy', []], ['xclip', ['-selection', 'clipboard']], ['xsel', ['--clipboard', '--input']]];
  const attempt = (index: number): Promise<boolean> => {
    const candidate = candidates[index];
    if (!candidate) return Promise.resolve(false);
    return new Promise((resolve) => {
      try {
        const child = spawn(candidate[0], candidate[1], { stdio: ['pipe', 'ignore', 'ignore'] });
        child.on('error', () => resolve(attempt(index + 1)));
        child.on('exit', (code) => resolve(code === 0 ? true : attempt(index + 1)));
        child.stdin.on('error', () => undefined);
        child.stdin.end(text);
      } catch {
        resolve(attempt(index + 1));
      }
    });
  };
  return attempt(0);
}

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
        onPrompt: (prompt) => {
          writeLine(ctx.stdout, `Open ${prompt.verificationUri} and enter this code:`);
          writeLine(ctx.stdout, prompt.userCode);
          waits.push(copyToClipboard(prompt.userCode, ctx).then((copied) => copied && writeLine(ctx.stdout, '(The code is on your clipboard.)')));
          writeLine(ctx.stdout, 'Waiting for you to authorize in the browser… (Ctrl-C to cancel)');
          openBrowser(prompt.verificationUri, ctx);
        },
      }));
      await Promise.all(waits);
    }
    runtime.settings.set('enterprise', endpoints.enterprise);
    runtime.settings.set('lastLogin', login);
    if (values['insecure-storage']) runtime.settings.set('insecureStorage', true);
    writeLine(ctx.stdout, `Signed in as ${login}`);
    if (ctx.env.COPILOT_RELAY_GITHUB_TOKEN) writeLine(ctx.stderr, 'Note: COPILOT_RELAY_GITHUB_TOKEN is set and overrides the stored sign-in.');
    try {
      const session = await runtime.tokens.getSession(ctx.signal);
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
