import { spawn } from 'node:child_process';
import type { SignInPrompt } from '../../shared/status.js';
import type { CliContext } from './context.js';
import { writeLine } from './context.js';

/**
 * The environment for helper programs (browser opener, clipboard tools): ours minus every
 * COPILOT_RELAY_* variable. A browser started by xdg-open, and everything it starts, would
 * otherwise inherit COPILOT_RELAY_GITHUB_TOKEN and COPILOT_RELAY_API_KEY (RT-16).
 */
export function helperEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toUpperCase().startsWith('COPILOT_RELAY_')));
}

/** A person at a terminal (never tests, CI or pipes): only then do we open a browser or touch the clipboard. */
export function interactive(ctx: Pick<CliContext, 'stdout' | 'env'>): boolean {
  return Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.CI && !ctx.env.COPILOT_RELAY_NO_BROWSER;
}

/** Best effort: the code and URL are printed anyway. */
export function openBrowser(url: string, ctx: Pick<CliContext, 'stdout' | 'env'>, platform: NodeJS.Platform = process.platform): void {
  if (!interactive(ctx)) return;
  const command = platform === 'darwin' ? 'open' : platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true, env: helperEnv(ctx.env) });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener.
  }
}

/** Best effort: pbcopy / clip / wl-copy / xclip / xsel, whichever exists. Resolves true when one took it. */
export function copyToClipboard(text: string, ctx: Pick<CliContext, 'stdout' | 'env'>, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (!interactive(ctx)) return Promise.resolve(false);
  const candidates: [string, string[]][] =
    platform === 'darwin' ? [['pbcopy', []]] : platform === 'win32' ? [['clip', []]] : [['wl-copy', []], ['xclip', ['-selection', 'clipboard']], ['xsel', ['--clipboard', '--input']]];
  const env = helperEnv(ctx.env);
  const attempt = (index: number): Promise<boolean> => {
    const candidate = candidates[index];
    if (!candidate) return Promise.resolve(false);
    return new Promise((resolve) => {
      try {
        const child = spawn(candidate[0], candidate[1], { stdio: ['pipe', 'ignore', 'ignore'], env });
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

/**
 * Shows a device-flow prompt the way every terminal sign-in does: the URL, the code on its own
 * line (easy to copy), whether it went to the clipboard, the wait line; opens the browser.
 * Resolves once the clipboard attempt is over.
 */
export async function showSignInPrompt(prompt: SignInPrompt, ctx: Pick<CliContext, 'stdout' | 'env'>): Promise<void> {
  writeLine(ctx.stdout, `Open ${prompt.verificationUri} and enter this code:`);
  writeLine(ctx.stdout, prompt.userCode);
  const copied = copyToClipboard(prompt.userCode, ctx);
  writeLine(ctx.stdout, 'Waiting for you to authorize in the browser… (Ctrl-C to cancel)');
  openBrowser(prompt.verificationUri, ctx);
  if (await copied) writeLine(ctx.stdout, '(The code is on your clipboard.)');
}
