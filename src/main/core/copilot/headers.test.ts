import { describe, expect, it } from 'vitest';
import { COPILOT_IDENTITY, copilotRequestHeaders, githubApiHeaders } from './headers.js';

describe('upstream headers', () => {
  it('sends the editor identity and token auth to the GitHub API', () => {
    const h = githubApiHeaders('ghu_FAKEFAKEFAKEFAKE');
    expect(h.authorization).toBe('token ghu_FAKEFAKEFAKEFAKE');
    expect(h['editor-version']).toBe(COPILOT_IDENTITY.editorVersion);
    expect(h.accept).toBe('application/json');
  });

  it('builds the Copilot API set with a fresh request id, initiator and vision only when asked', () => {
    const a = copilotRequestHeaders({ bearer: 'sess', intent: 'conversation-panel', initiator: 'agent', json: true });
    const b = copilotRequestHeaders({ bearer: 'sess', intent: 'conversation-panel', vision: true });
    expect(a).toMatchObject({
      authorization: 'Bearer sess',
      'editor-version': COPILOT_IDENTITY.editorVersion,
      'editor-plugin-version': COPILOT_IDENTITY.editorPluginVersion,
      'copilot-integration-id': 'vscode-chat',
      'user-agent': COPILOT_IDENTITY.userAgent,
      'x-github-api-version': COPILOT_IDENTITY.apiVersion,
      'openai-intent': 'conversation-panel',
      'x-initiator': 'agent',
      'content-type': 'application/json',
    });
    expect(a['copilot-vision-request']).toBeUndefined();
    expect(b['copilot-vision-request']).toBe('true');
    expect(b['x-initiator']).toBeUndefined();
    expect(a['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a['x-request-id']).not.toBe(b['x-request-id']);
  });
});
