import type { CliContext } from '../context.js';
import { RelayError } from '../../core/errors.js';

// Placeholder until the token core lands (issue 4).
export async function run(_ctx: CliContext): Promise<number> {
  throw new RelayError('not-signed-in', 'Not signed in to GitHub.', { fix: 'Run `copilot-relay login` first.' });
}
