import { parseArgs } from 'node:util';
import { isRelayError } from '../core/errors.js';
import { redact } from '../core/log/redact.js';
import type { CliCommand, CliContext } from './context.js';
import { writeLine } from './context.js';
import { VERSION } from '../core/version.js';

const USAGE = `Usage: copilot-relay <command> [options]

Use your GitHub Copilot subscription from any OpenAI- or Anthropic-compatible tool.

Commands:
  serve [--port N] [--host H] [--api-key K] [--allow-remote] [--log-bodies] [--insecure-storage] [--login]
                                              Serve the proxy (default http://127.0.0.1:4141)
  login [--enterprise HOST] [--import] [--insecure-storage]
                                              Sign in to GitHub (device flow)
  logout                                      Delete the stored token and cached session tokens
  status [--json]                             Show sign-in, token and quota status
  models [--json]                             List the models: limits, endpoints, billing, policy
  models enable <id>                          Accept a model's policy (terms) for your account
  usage [--since D] [--by model|client|day] [--json]
                                              Requests, tokens, AI credits and limits from the
                                              local ledger (D: 24h, 7d, 30d or a date; default 24h)

serve options:
  --port N            0 picks a free port
  --host H            a non-loopback host also needs --allow-remote and an API key
  --api-key K         require this key (prefer COPILOT_RELAY_API_KEY: arguments show in \`ps\`)
  --allow-remote      allow serving beyond this machine (with an API key)
  --log-bodies        log request bodies, redacted and truncated (turns on debug logging)
  --insecure-storage  keep credentials in a 0600 file when there is no keychain
  --login             not signed in and at a terminal: sign in first (what \`npm start\` does)

Options:
  --debug       Show stack traces on errors
  -h, --help    Show this help
  -v, --version Show the version

Environment: COPILOT_RELAY_GITHUB_TOKEN, COPILOT_RELAY_HOME, COPILOT_RELAY_API_KEY,
COPILOT_RELAY_GITHUB_URL, COPILOT_RELAY_GITHUB_API_URL, COPILOT_RELAY_CLIENT_ID,
COPILOT_RELAY_CLIENT_IDENTITY (JSON: editorVersion, editorPluginVersion, userAgent, integrationId, apiVersion),
COPILOT_RELAY_BUDGET (e.g. 500/month or 50/day).
Never pass tokens as arguments: they show in \`ps\`.`;

const COMMANDS: Record<string, () => Promise<{ run: CliCommand }>> = {
  serve: () => import('./commands/serve.js'),
  login: () => import('./commands/login.js'),
  logout: () => import('./commands/logout.js'),
  status: () => import('./commands/status.js'),
  models: () => import('./commands/models.js'),
  usage: () => import('./commands/usage.js'),
};

export async function main(argv: string[], io: Pick<CliContext, 'stdout' | 'stderr' | 'env' | 'stdinIsTTY'> = { ...process, stdinIsTTY: Boolean(process.stdin.isTTY) }): Promise<number> {
  const debug = argv.includes('--debug');
  const rest = argv.filter((arg) => arg !== '--debug');
  const { values, positionals } = parseArgs({
    args: rest,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    strict: false,
    allowPositionals: true,
  });
  const [name] = positionals;
  if (values.version && !name) {
    writeLine(io.stdout, VERSION);
    return 0;
  }
  // `copilot-relay login --help` too: every command's options are in the one usage text.
  if (!name || name === 'help' || values.help) {
    writeLine(io.stdout, USAGE);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    writeLine(io.stderr, `Unknown command "${name}". Run \`copilot-relay --help\` for the list.`);
    return 2;
  }
  const controller = new AbortController();
  // The first signal stops gracefully (in-flight requests finish, bounded); a second one means "now".
  // SIGHUP (the terminal went away) stops like SIGTERM instead of killing the process mid-write.
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      firstAt = Date.now();
      return controller.abort();
    }
    // Ctrl-C reaches every process of the terminal's group, and `npm start`/npm forward it once more:
    // copies arriving together are one signal. A second one, later, means "now".
    if (Date.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
    // process.exit runs the 'exit' hooks: the batched log sink writes what it still holds.
    process.exit(128 + (STOP_SIGNALS[signal] ?? 15));
  };
  for (const signal of Object.keys(STOP_SIGNALS)) process.on(signal, onSignal);
  try {
    const command = await load();
    return await command.run({
      argv: rest.slice(rest.indexOf(name) + 1),
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
      debug,
      signal: controller.signal,
      stdinIsTTY: io.stdinIsTTY ?? false,
    });
  } catch (error) {
    writeLine(io.stderr, describeFailure(error, debug));
    return isRelayError(error) && error.kind === 'cancelled' ? 130 : 1;
  } finally {
    for (const signal of Object.keys(STOP_SIGNALS)) process.off(signal, onSignal);
  }
}

/** Signals that stop a command, with their numbers (exit code 128 + n when a second one forces it). */
const STOP_SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
/** Signals this close together are copies of one (see onSignal). */
const DUPLICATE_SIGNAL_MS = 250;

/** One line for the user (plus the stack with --debug), always redacted. */
export function describeFailure(error: unknown, debug: boolean): string {
  let line: string;
  if (isRelayError(error)) line = error.fix ? `${error.message} ${error.fix}` : error.message;
  else if (error instanceof Error && (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') line = `${error.message}. Run \`copilot-relay --help\`.`;
  else line = `Unexpected error: ${error instanceof Error ? error.message : String(error)}${debug ? '' : ' (run with --debug for details)'}`;
  if (debug && error instanceof Error && error.stack) line += `\n${error.stack}`;
  return redact(line);
}

/** The process entry used by bin/copilot-relay.js. */
export async function runCli(): Promise<void> {
  // Whoever reads our output may go away (`serve 2>&1 | head`, a closed terminal): a write then
  // fails with EPIPE/EBADF, which as an unhandled 'error' event would end the relay (RT-05). There
  // is nobody left to tell, so keep serving.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${describeFailure(error, process.argv.includes('--debug'))}\n`);
    process.exitCode = 1;
  }
}
