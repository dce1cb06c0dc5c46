import { randomUUID } from 'node:crypto';

/**
 * The one place that builds headers for GitHub's Copilot endpoints. The client identity is what the
 * editor plugins send (Copilot API rejects IDE-auth tokens without Editor-Version); versions live
 * here as constants so a bump is one edit.
 */
export const COPILOT_IDENTITY = {
  editorVersion: 'vscode/1.107.0',
  editorPluginVersion: 'copilot-chat/0.35.0',
  userAgent: 'GitHubCopilotChat/0.35.0',
  integrationId: 'vscode-chat',
  apiVersion: '2025-04-01',
} as const;

export type CopilotIntent = 'conversation-panel' | 'model-access' | 'messages-proxy' | 'conversation-embeddings';
export type Initiator = 'user' | 'agent';

function identityHeaders(): Record<string, string> {
  return {
    'editor-version': COPILOT_IDENTITY.editorVersion,
    'editor-plugin-version': COPILOT_IDENTITY.editorPluginVersion,
    'copilot-integration-id': COPILOT_IDENTITY.integrationId,
    'user-agent': COPILOT_IDENTITY.userAgent,
    'x-github-api-version': COPILOT_IDENTITY.apiVersion,
  };
}

/**
 * Headers for GitHub REST calls made with the GitHub token: the exchange
 * (`/copilot_internal/v2/token`), `/copilot_internal/user` and `/user`. Identity headers are
 * cheap insurance here (some clients needed Editor-Version on the exchange).
 */
export function githubApiHeaders(githubToken: string): Record<string, string> {
  return {
    ...identityHeaders(),
    authorization: `token ${githubToken}`,
    accept: 'application/json',
  };
}

export interface CopilotRequestHeaderOptions {
  /** Session token (exchange mode) or the GitHub token (direct mode). */
  bearer: string;
  intent: CopilotIntent;
  /** `agent` when the last turn isn't the user's: not billed as a premium request. */
  initiator?: Initiator;
  /** Only when the request carries an image: sending it always causes 429s. */
  vision?: boolean;
  requestId?: string;
  /** JSON body follows. */
  json?: boolean;
  /** Extra headers forwarded on purpose (e.g. filtered `anthropic-beta`). */
  extra?: Record<string, string>;
}

let lastBearer = '';
let lastAuthorization = '';

/** `Bearer <token>`, built once per session token rather than per request (a ~200-char concat). */
function authorizationFor(bearer: string): string {
  if (bearer !== lastBearer) {
    lastBearer = bearer;
    lastAuthorization = `Bearer ${bearer}`;
  }
  return lastAuthorization;
}

/**
 * Headers for every call to the Copilot API (`{capi}/…`). Never includes anything from the caller's auth.
 * Built as one object literal with the identity inlined (hot path: one call per proxied request; a
 * spread of a freshly built identity object showed up in the proxy's CPU profile).
 */
export function copilotRequestHeaders(options: CopilotRequestHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'editor-version': COPILOT_IDENTITY.editorVersion,
    'editor-plugin-version': COPILOT_IDENTITY.editorPluginVersion,
    'copilot-integration-id': COPILOT_IDENTITY.integrationId,
    'user-agent': COPILOT_IDENTITY.userAgent,
    'x-github-api-version': COPILOT_IDENTITY.apiVersion,
    authorization: authorizationFor(options.bearer),
    'openai-intent': options.intent,
    'x-request-id': options.requestId ?? randomUUID(),
    accept: 'application/json',
  };
  if (options.json) headers['content-type'] = 'application/json';
  if (options.initiator) headers['x-initiator'] = options.initiator;
  if (options.vision) headers['copilot-vision-request'] = 'true';
  if (options.extra) Object.assign(headers, options.extra);
  return headers;
}
