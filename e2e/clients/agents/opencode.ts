import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AGENTS } from '../support/install.js';
import { MODELS } from '../support/scenarios.js';
import type { AgentAdapter, ClientApi } from '../support/scenarios.js';

/**
 * opencode (`opencode run`) with two custom providers at the relay: the OpenAI-compatible one (chat
 * completions) and the Anthropic one (Messages), both bundled in opencode. The env switches stop the
 * update check, the models.dev catalogue fetch, default plugins, LSP downloads, sharing, and reading
 * ~/.claude. opencode also installs its plugin SDK into every config folder on start (from the npm
 * registry); a package.json + lock that already name it make that a no-op.
 */
export const OPENCODE_QUIET_ENV = {
  OPENCODE_DISABLE_AUTOUPDATE: '1',
  OPENCODE_DISABLE_MODELS_FETCH: '1',
  OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
  OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  OPENCODE_DISABLE_SHARE: '1',
  OPENCODE_DISABLE_CLAUDE_CODE: '1',
  OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
};

const PROVIDER: Record<Exclude<ClientApi, 'responses'>, { id: string; npm: string }> = {
  chat: { id: 'relay-chat', npm: '@ai-sdk/openai-compatible' },
  messages: { id: 'relay-messages', npm: '@ai-sdk/anthropic' },
};

function pluginSdkSeed(configDir: string): Record<string, string> {
  const dep = { '@opencode-ai/plugin': AGENTS.opencode.version };
  return {
    [join(configDir, 'package.json')]: JSON.stringify({ dependencies: dep }),
    [join(configDir, 'package-lock.json')]: JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: dep } } }),
    [join(configDir, 'node_modules', '.keep')]: '',
  };
}

export const opencode: AgentAdapter = {
  id: 'opencode',
  route: {
    plain: { model: MODELS.both, api: 'chat' },
    'claude-native': { model: MODELS.claude, api: 'messages' },
    'chat-only': { model: MODELS.chatOnly, api: 'messages' },
    'responses-only': { model: MODELS.responsesOnly, api: 'chat' },
  },
  prepare: ({ box, baseUrl, apiKey, model, api, prompt }) => {
    if (api === 'responses') throw new Error('the opencode adapter speaks chat completions or Messages');
    const configDir = join(box.home, '.config', 'opencode');
    const provider = Object.fromEntries(
      Object.values(PROVIDER).map((p) => [p.id, { npm: p.npm, name: `Copilot Relay (${p.id})`, options: { baseURL: `${baseUrl}/v1`, apiKey }, models: { [model]: {} } }]),
    );
    const config = { $schema: 'https://opencode.ai/config.json', autoupdate: false, share: 'disabled', provider };
    return {
      args: ['run', '--print-logs', '--log-level', 'WARN', '-m', `${PROVIDER[api].id}/${model}`, prompt],
      env: OPENCODE_QUIET_ENV,
      files: { [join(configDir, 'opencode.json')]: JSON.stringify(config, null, 2), ...pluginSdkSeed(configDir) },
    };
  },
  toolPlan: (box) => {
    const token = `NOTE-${randomBytes(4).toString('hex')}`;
    const file = join(box.work, 'notes.txt');
    return { name: 'read', args: { filePath: file }, token, files: { [file]: `${token}\n` } };
  },
};
