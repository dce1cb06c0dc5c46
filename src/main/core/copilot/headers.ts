import { randomUUID } from 'node:crypto';
import { BUILT_IN_IDENTITY, GITHUB_REST_API_VERSION, OMIT_INTEGRATION_ID, resolveClientIdentity } from './identity.js';
import type { ClientIdentity, ClientIdentityOverride } from './identity.js';

/**
 * The one place that builds headers for GitHub's Copilot endpoints. The identity (editor and plugin
 * versions, integration id, API version) is resolved once at start-up (identity.ts) and set here;
 * building a request's headers only reads it.
 */

let identity: Readonly<ClientIdentity> = BUILT_IN_IDENTITY;

/** Sets the identity every later request sends (once per process, from env + settings). */
export function setClientIdentity(next: Readonly<ClientIdentity>): void {
  identity = next;
}

export function clientIdentity(): Readonly<ClientIdentity> {
  return identity;
}

/**
 * Resolves the identity from COPILOT_RELAY_CLIENT_IDENTITY and the `clientIdentity` setting and sets
 * it; both shells call this once at start-up. Throws a config error (naming the source) when invalid.
 */
export function configureClientIdentity(options: { env?: NodeJS.ProcessEnv; setting?: ClientIdentityOverride | null }): Readonly<ClientIdentity> {
  const next = resolveClientIdentity(options);
  setClientIdentity(next);
  return next;
}

/**
 * `OpenAI-Intent`, also sent as `X-Interaction-Type` as VS Code does for ordinary requests
 * (microsoft/vscode extensions/copilot `networking.ts` `networkRequest`). `conversation-agent` is
 * agent-mode traffic; `messages-proxy` / `responses-proxy` are VS Code's local proxies' intents.
 */
export type CopilotIntent =
  | 'conversation-agent'
  | 'conversation-panel'
  | 'messages-proxy'
  | 'responses-proxy'
  | 'model-access'
  | 'chat-policy'
  | 'conversation-embeddings';
export type Initiator = 'user' | 'agent';

/** Intents that generate a model turn: they carry an interaction id. */
const GENERATION_INTENTS: ReadonlySet<CopilotIntent> = new Set(['conversation-agent', 'conversation-panel', 'messages-proxy', 'responses-proxy']);
const PROXY_INTENTS: ReadonlySet<CopilotIntent> = new Set(['messages-proxy', 'responses-proxy']);

/**
 * `X-Interaction-Id` groups the requests of one user interaction: VS Code keeps one id and starts a
 * new one when the user sends a message (`InteractionService.startInteraction`); every tool-calling
 * turn that follows carries the same id (chatMLFetcher `_fetchWithInstrumentation`). Here a
 * user-initiated turn starts a new interaction and an agent follow-up reuses the current one. Like
 * VS Code's, it is process-wide and approximate when several conversations run at once.
 */
let interactionId: string = randomUUID();

/** A user turn starts an interaction named after its own request id (a UUID): no extra id to generate per request. */
function interactionFor(initiator: Initiator | undefined, requestId: string): string {
  if (initiator !== 'agent') interactionId = requestId;
  return interactionId;
}

/**
 * Headers for GitHub REST calls made with the GitHub token: the exchange
 * (`/copilot_internal/v2/token`), `/copilot_internal/user` and `/user`. They keep API version
 * 2025-04-01; the identity headers are cheap insurance (some clients needed Editor-Version there).
 */
export function githubApiHeaders(githubToken: string): Record<string, string> {
  return {
    'editor-version': identity.editorVersion,
    'editor-plugin-version': identity.editorPluginVersion,
    'copilot-integration-id': identity.integrationId,
    'user-agent': identity.userAgent,
    'x-github-api-version': GITHUB_REST_API_VERSION,
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
 * Built as one object literal with the identity's fields read directly (hot path: one call per
 * proxied request; a spread of a freshly built identity object showed up in the proxy's CPU profile).
 */
export function copilotRequestHeaders(options: CopilotRequestHeaderOptions): Record<string, string> {
  const requestId = options.requestId ?? randomUUID();
  const intent = options.intent;
  const headers: Record<string, string> = {
    'editor-version': identity.editorVersion,
    'editor-plugin-version': identity.editorPluginVersion,
    'copilot-integration-id': identity.integrationId,
    'user-agent': identity.userAgent,
    'x-github-api-version': identity.apiVersion,
    authorization: authorizationFor(options.bearer),
    'openai-intent': intent,
    'x-interaction-type': intent,
    'x-request-id': requestId,
    accept: 'application/json',
  };
  if (GENERATION_INTENTS.has(intent)) {
    headers['x-interaction-id'] = interactionFor(options.initiator, requestId);
    // VS Code ties an agent request to its task with the request id.
    if (intent === 'conversation-agent') headers['x-agent-task-id'] = requestId;
  }
  const proxyId = identity.proxyIntegrationId;
  if (proxyId !== undefined && PROXY_INTENTS.has(intent)) {
    if (proxyId === OMIT_INTEGRATION_ID) delete headers['copilot-integration-id'];
    else headers['copilot-integration-id'] = proxyId;
  }
  if (options.json) headers['content-type'] = 'application/json';
  if (options.initiator) headers['x-initiator'] = options.initiator;
  if (options.vision) headers['copilot-vision-request'] = 'true';
  if (options.extra) Object.assign(headers, options.extra);
  return headers;
}
