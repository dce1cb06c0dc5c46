import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MODELS } from '../support/scenarios.js';
import type { AgentAdapter } from '../support/scenarios.js';

/**
 * Claude Code (`claude -p`), configured the way the README tells users: ANTHROPIC_BASE_URL at the
 * relay and any key. Its documented switches turn off telemetry, error reports, the auto-updater
 * and every other non-essential request (without them it calls api.anthropic.com on start).
 */
export const CLAUDE_CODE_QUIET_ENV = {
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
};

/** The dated Anthropic spelling users paste; the relay maps it onto Copilot's `claude-sonnet-4.5`. */
const ANTHROPIC_SPELLING = 'claude-sonnet-4-5-20250929';

export const claudeCode: AgentAdapter = {
  id: 'claude-code',
  route: {
    plain: { model: ANTHROPIC_SPELLING, api: 'messages' },
    'claude-native': { model: MODELS.claude, api: 'messages' },
    'chat-only': { model: MODELS.chatOnly, api: 'messages' },
    'responses-only': { model: MODELS.responsesOnly, api: 'messages' },
  },
  upstreamModel: (model) => (model === ANTHROPIC_SPELLING ? MODELS.claude : model),
  prepare: ({ box, baseUrl, apiKey, model, prompt }) => ({
    args: ['-p', prompt, ...(model ? ['--model', model] : []), '--output-format', 'text'],
    env: { ...CLAUDE_CODE_QUIET_ENV, ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: apiKey, CLAUDE_CONFIG_DIR: join(box.home, '.claude') },
    files: {},
  }),
  toolPlan: (box) => {
    const token = `NOTE-${randomBytes(4).toString('hex')}`;
    const file = join(box.work, 'notes.txt');
    return { name: 'Read', args: { file_path: file }, token, files: { [file]: `${token}\n` } };
  },
};
