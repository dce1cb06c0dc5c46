import { afterEach, describe, expect, it } from 'vitest';
import { clientIdentity, copilotRequestHeaders, githubApiHeaders, setClientIdentity } from './headers.js';
import { BUILT_IN_IDENTITY, resolveClientIdentity } from './identity.js';

afterEach(() => setClientIdentity(BUILT_IN_IDENTITY));

describe('upstream headers', () => {
  it('sends the editor identity, token auth and API version 2025-04-01 to the GitHub REST API', () => {
    const h = githubApiHeaders('ghu_FAKEFAKEFAKEFAKE');
    expect(h.authorization).toBe('token ghu_FAKEFAKEFAKEFAKE');
    expect(h['editor-version']).toBe(BUILT_IN_IDENTITY.editorVersion);
    expect(h['x-github-api-version']).toBe('2025-04-01');
    expect(h.accept).toBe('application/json');
  });

  it('builds the Copilot API set with API version 2026-08-01, a fresh request id, initiator and vision only when asked', () => {
    const a = copilotRequestHeaders({ bearer: 'sess', intent: 'conversation-panel', initiator: 'agent', json: true });
    const b = copilotRequestHeaders({ bearer: 'sess', intent: 'conversation-panel', vision: true });
    expect(a).toMatchObject({
      authorization: 'Bearer sess',
      'editor-version': BUILT_IN_IDENTITY.editorVersion,
      'editor-plugin-version': BUILT_IN_IDENTITY.editorPluginVersion,
      'copilot-integration-id': 'vscode-chat',
      'user-agent': BUILT_IN_IDENTITY.userAgent,
      'x-github-api-version': '2026-08-01',
      'openai-intent': 'conversation-panel',
      'x-interaction-type': 'conversation-panel',
      'x-initiator': 'agent',
      'content-type': 'application/json',
    });
    expect(a['copilot-vision-request']).toBeUndefined();
    expect(b['copilot-vision-request']).toBe('true');
    expect(b['x-initiator']).toBeUndefined();
    expect(a['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a['x-request-id']).not.toBe(b['x-request-id']);
  });

  it('sends agent turns as VS Code does: intent and interaction type conversation-agent, the task id, one interaction id per user turn', () => {
    const first = copilotRequestHeaders({ bearer: 's', intent: 'conversation-agent', initiator: 'user', requestId: 'req-1' });
    const followUp = copilotRequestHeaders({ bearer: 's', intent: 'conversation-agent', initiator: 'agent', requestId: 'req-2' });
    const nextTurn = copilotRequestHeaders({ bearer: 's', intent: 'conversation-agent', initiator: 'user', requestId: 'req-3' });
    expect(first).toMatchObject({ 'openai-intent': 'conversation-agent', 'x-interaction-type': 'conversation-agent', 'x-agent-task-id': 'req-1' });
    // The user turn's own request id names the interaction.
    expect(first['x-interaction-id']).toBe('req-1');
    expect(copilotRequestHeaders({ bearer: 's', intent: 'conversation-panel', initiator: 'user' })['x-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
    // The tool-result follow-up belongs to the same interaction; the next user message starts a new one.
    expect(followUp['x-interaction-id']).toBe(first['x-interaction-id']);
    expect(nextTurn['x-interaction-id']).not.toBe(first['x-interaction-id']);
    expect(followUp['x-agent-task-id']).toBe('req-2');
  });

  it('sends no interaction id on the model list, policy and embeddings calls', () => {
    for (const intent of ['model-access', 'chat-policy', 'conversation-embeddings'] as const) {
      const h = copilotRequestHeaders({ bearer: 's', intent });
      expect(h['x-interaction-type']).toBe(intent);
      expect(h['x-interaction-id']).toBeUndefined();
      expect(h['x-agent-task-id']).toBeUndefined();
    }
  });

  it('uses the identity set at start-up for both Copilot and GitHub REST calls (the REST API version stays)', () => {
    setClientIdentity(resolveClientIdentity({ env: { COPILOT_RELAY_CLIENT_IDENTITY: '{"editorVersion":"vscode/1.130.0","integrationId":"code-oss","apiVersion":"2027-01-01"}' } }));
    expect(clientIdentity().editorVersion).toBe('vscode/1.130.0');
    const capi = copilotRequestHeaders({ bearer: 's', intent: 'model-access' });
    expect(capi).toMatchObject({ 'editor-version': 'vscode/1.130.0', 'copilot-integration-id': 'code-oss', 'x-github-api-version': '2027-01-01', 'user-agent': BUILT_IN_IDENTITY.userAgent });
    expect(githubApiHeaders('ghu_FAKE')).toMatchObject({ 'editor-version': 'vscode/1.130.0', 'x-github-api-version': '2025-04-01' });
  });

  it('sends the integration id on the proxy intents unless proxyIntegrationId says otherwise ("none" omits it, as VS Code does)', () => {
    for (const intent of ['messages-proxy', 'responses-proxy'] as const) {
      expect(copilotRequestHeaders({ bearer: 's', intent })['copilot-integration-id']).toBe('vscode-chat');
    }
    setClientIdentity(resolveClientIdentity({ env: { COPILOT_RELAY_CLIENT_IDENTITY: '{"proxyIntegrationId":"none"}' } }));
    for (const intent of ['messages-proxy', 'responses-proxy'] as const) {
      expect(copilotRequestHeaders({ bearer: 's', intent })).not.toHaveProperty('copilot-integration-id');
    }
    // Every other call keeps it: it decides the model set.
    expect(copilotRequestHeaders({ bearer: 's', intent: 'conversation-agent' })['copilot-integration-id']).toBe('vscode-chat');
    expect(copilotRequestHeaders({ bearer: 's', intent: 'model-access' })['copilot-integration-id']).toBe('vscode-chat');
    expect(githubApiHeaders('ghu_FAKE')['copilot-integration-id']).toBe('vscode-chat');
    setClientIdentity(resolveClientIdentity({ env: { COPILOT_RELAY_CLIENT_IDENTITY: '{"proxyIntegrationId":"code-oss"}' } }));
    expect(copilotRequestHeaders({ bearer: 's', intent: 'messages-proxy' })['copilot-integration-id']).toBe('code-oss');
  });
});
