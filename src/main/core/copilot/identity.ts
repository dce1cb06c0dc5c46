import { RelayError } from '../errors.js';

/**
 * The client identity sent to GitHub: what the editor plugins send, because the Copilot API rejects
 * IDE-auth tokens without `Editor-Version` and decides the model set by `Copilot-Integration-Id`.
 * GitHub cuts old identities off (HTTP 466, 2026-02-11), so every field can be overridden without a
 * release: COPILOT_RELAY_CLIENT_IDENTITY (JSON) or the `clientIdentity` setting.
 */
export interface ClientIdentity {
  editorVersion: string;
  editorPluginVersion: string;
  userAgent: string;
  integrationId: string;
  /** `X-GitHub-Api-Version` on Copilot API calls (`/models`, `/chat/completions`, `/responses`, …). */
  apiVersion: string;
  /**
   * `Copilot-Integration-Id` on the native proxy intents (`messages-proxy`, `responses-proxy`): unset
   * follows `integrationId`; `"none"` omits it as VS Code's own local proxies do (copilot-protocol.md,
   * "2026 changes"). Whether omitting matters is UNCERTAIN, and a missing id can change the model set,
   * so the default sends it.
   */
  proxyIntegrationId?: string;
}

export type ClientIdentityOverride = Partial<ClientIdentity>;

/**
 * Current VS Code identity: microsoft/vscode `extensions/copilot/package.json` (commit 0024ccf9) is
 * copilot-chat 0.49.0 with `engines.vscode ^1.121.0` (chat 0.x tracks VS Code 1.(x+72)). API version
 * 2026-08-01 as VS Code and opencode send it since the AI-credits change (copilot-protocol.md, "2026 changes").
 */
export const BUILT_IN_IDENTITY: Readonly<ClientIdentity> = Object.freeze({
  editorVersion: 'vscode/1.121.0',
  editorPluginVersion: 'copilot-chat/0.49.0',
  userAgent: 'GitHubCopilotChat/0.49.0',
  integrationId: 'vscode-chat',
  apiVersion: '2026-08-01',
});

/** GitHub REST calls (token exchange, `copilot_internal/user`, `/user`) keep the older version (VS Code does). */
export const GITHUB_REST_API_VERSION = '2025-04-01';

export const CLIENT_IDENTITY_ENV = 'COPILOT_RELAY_CLIENT_IDENTITY';

const FIELDS: readonly (keyof ClientIdentity)[] = ['editorVersion', 'editorPluginVersion', 'userAgent', 'integrationId', 'apiVersion', 'proxyIntegrationId'];

/** The `proxyIntegrationId` value that omits the header on the proxy intents. */
export const OMIT_INTEGRATION_ID = 'none';
// Printable ASCII only: a control character or CR/LF in a header value would make every upstream call throw.
const HEADER_VALUE = /^[\x20-\x7e]{1,200}$/;
const API_VERSION = /^\d{4}-\d{2}-\d{2}$/;

function invalid(source: string, detail: string, example = true): RelayError {
  const hint = example ? ` Example: {"editorVersion":"vscode/1.121.0","editorPluginVersion":"copilot-chat/0.49.0","apiVersion":"2026-08-01"}.` : '';
  return new RelayError('config', `${source} is not a valid client identity: ${detail}.`, {
    fix: `Give a JSON object with any of ${FIELDS.join(', ')} (strings).${hint}`,
  });
}

/**
 * Validates an override (already parsed JSON, or the JSON text when `raw` is a string): only the
 * known fields, each a printable string; `apiVersion` a date. Throws one config error naming `source`.
 */
export function parseClientIdentityOverride(raw: unknown, source: string): ClientIdentityOverride {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch (error) {
      throw invalid(source, `not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(source, 'expected a JSON object');
  const out: ClientIdentityOverride = {};
  for (const [key, field] of Object.entries(value)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw invalid(source, `unknown field "${key.slice(0, 40)}"`);
    if (typeof field !== 'string' || !HEADER_VALUE.test(field)) throw invalid(source, `"${key}" must be a string of 1–200 printable ASCII characters`, false);
    if (key === 'apiVersion' && !API_VERSION.test(field)) throw invalid(source, '"apiVersion" must look like 2026-08-01', false);
    out[key as keyof ClientIdentity] = field;
  }
  return out;
}

/** Built-in identity, then the setting, then the environment variable (each field on its own). */
export function resolveClientIdentity(options: { env?: NodeJS.ProcessEnv; setting?: ClientIdentityOverride | null } = {}): ClientIdentity {
  const fromSetting = options.setting ? parseClientIdentityOverride(options.setting, 'The clientIdentity setting') : {};
  const text = options.env?.[CLIENT_IDENTITY_ENV]?.trim();
  const fromEnv = text ? parseClientIdentityOverride(text, CLIENT_IDENTITY_ENV) : {};
  return Object.freeze({ ...BUILT_IN_IDENTITY, ...fromSetting, ...fromEnv });
}

/** True when any field differs from the built-in identity (shown in diagnostics). */
export function isOverridden(identity: ClientIdentity): boolean {
  return FIELDS.some((field) => identity[field] !== BUILT_IN_IDENTITY[field]);
}
