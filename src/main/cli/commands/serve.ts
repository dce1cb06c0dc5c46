import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { showSignInPrompt } from '../terminal.js';
import { RelayError, isRelayError } from '../../core/errors.js';
import type { FetchLike } from '../../core/auth/http.js';
import { createLogger } from '../../core/log/logger.js';
import type { Logger } from '../../core/log/logger.js';
import { createBatchedSink } from '../../core/proxy/log-sink.js';
import type { SecretStore } from '../../core/secrets/secret-store.js';
import { RelayService } from '../../core/service/relay-service.js';
import type { ServiceFlags } from '../../core/service/relay-service.js';

export interface ServeArgs extends ServiceFlags {
  /** `--login` (what `npm start` passes): not signed in and at a terminal → sign in first. */
  login: boolean;
}

export function parseServeArgs(ctx: Pick<CliContext, 'argv' | 'env'>): ServeArgs {
  const { values } = parseArgs({
    args: ctx.argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      'log-bodies': { type: 'boolean', default: false },
      'insecure-storage': { type: 'boolean', default: false },
      login: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new RelayError('config', `Invalid --port ${JSON.stringify(values.port)}: expected 0-65535.`);
  return {
    port,
    host: values.host,
    apiKey: values['api-key'] ?? null,
    allowRemote: values['allow-remote'] ?? false,
    logBodies: values['log-bodies'] ?? false,
    insecureStorage: values['insecure-storage'] ?? false,
    login: values.login ?? false,
  };
}

/** Resolves when the signal aborts (Ctrl-C, SIGTERM, SIGHUP). */
function aborted(signal: AbortSignal): Promise<'stop'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('stop');
    else signal.addEventListener('abort', () => resolve('stop'), { once: true });
  });
}

/** `serve --login` at a terminal without a sign-in: the device flow right here, then serve. */
async function signInFirst(ctx: CliContext, service: RelayService): Promise<void> {
  let shown = false;
  const waits: Promise<void>[] = [];
  const off = service.onStatus((status) => {
    if (shown || !status.signIn) return;
    shown = true;
    waits.push(showSignInPrompt(status.signIn, ctx));
  });
  const stop = () => service.cancelSignIn();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    const { login } = await service.signIn();
    await Promise.all(waits);
    writeLine(ctx.stderr, `Signed in as ${login}`);
  } finally {
    off();
    ctx.signal.removeEventListener('abort', stop);
  }
}

/**
 * `copilot-relay serve`: a thin shell over the relay service. Checks the stored sign-in locally
 * (none, no keychain, a damaged file: one line and a non-zero exit), listens at once and prints the
 * one `Listening on` line, then waits for a session in the background: a transient failure (GitHub
 * unreachable, 5xx, slow) never ends it, a fatal first answer (revoked token, no Copilot) does.
 * The listening server is the handle that keeps the process alive while it waits — on purpose.
 */
export async function run(ctx: CliContext, inject: { store?: SecretStore; fetch?: FetchLike; logger?: Logger } = {}): Promise<number> {
  const args = parseServeArgs(ctx);
  const explicitKey = args.apiKey ?? (ctx.env.COPILOT_RELAY_API_KEY?.trim() || null);
  // One log line per request: batched (one write per 20 ms) so logging costs no syscall per request.
  const sink = createBatchedSink(ctx.stderr);
  // --log-bodies logs at debug level (bodies are debug lines); without it they would silently never show.
  const logger = inject.logger ?? createLogger({ level: ctx.debug || args.logBodies ? 'debug' : 'info', sink });
  logger.addSecret(explicitKey);
  logger.addSecret(ctx.env.COPILOT_RELAY_GITHUB_TOKEN?.trim());
  if (ctx.argv.some((arg) => arg === '--api-key' || arg.startsWith('--api-key='))) {
    logger.warn('--api-key on the command line is visible to other users in `ps`; prefer COPILOT_RELAY_API_KEY.');
  }
  if (args.logBodies) logger.info('--log-bodies: request bodies are logged (redacted, first 2000 characters), with the other debug lines.');
  const service = new RelayService({ env: ctx.env, logger, shell: 'cli', flags: { ...args, apiKey: explicitKey }, store: inject.store, fetch: inject.fetch });
  // No desktop to notify: the budget's 80 % warning is a log line.
  service.usage.onWarning((notice) => logger.warn(`${notice.title}. ${notice.body}`));
  try {
    const signedIn = await service.checkSignIn().then(
      () => true,
      (error: unknown) => {
        if (isRelayError(error) && error.kind === 'not-signed-in' && args.login && ctx.stdinIsTTY) return false;
        throw error;
      },
    );
    if (!signedIn) await signInFirst(ctx, service);
    service.start();
    const { origin } = await service.proxy.start();
    writeLine(ctx.stdout, `Listening on ${origin}`);
    const first = await Promise.race([service.firstSession(), aborted(ctx.signal)]);
    if (first instanceof RelayError) throw first;
    await aborted(ctx.signal);
    logger.info('Shutting down: letting in-flight requests finish');
    return 0;
  } finally {
    await service.close();
    // The last lines (shutdown, final requests) go out before serve returns, not only at process exit.
    sink.flush();
  }
}
