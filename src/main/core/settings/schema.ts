import type { ClientIdentityOverride } from '../copilot/identity.js';

/**
 * The relay's settings (`<relayHome>/config.json`): read by the CLI's one-shot commands, written only
 * by the relay service (the CLI's `serve`, or the desktop app's service process). No secrets here:
 * tokens and the API key live in the credential store. The desktop app's own UI state (window
 * position, last view) is another file, owned by the Electron main process.
 */
export interface Settings {
  port: number;
  host: string;
  /**
   * Serving beyond loopback is refused unless this (or `serve --allow-remote`) says so AND an API
   * key is required (`apiKeyEnabled`, COPILOT_RELAY_API_KEY or `--api-key`).
   */
  allowRemote: boolean;
  /** GHE.com tenant host, or null for github.com. */
  enterprise: string | null;
  /** When on, the proxy requires the API key kept in the credential store. */
  apiKeyEnabled: boolean;
  startAtLogin: boolean;
  /** Opt-in: keep credentials in a 0600 file under the data dir when no keychain is available. */
  insecureStorage: boolean;
  /** Request body limit in MiB. */
  bodyLimitMb: number;
  /** Extra CA certificates (PEM file) for corporate TLS interception, in addition to NODE_EXTRA_CA_CERTS. */
  extraCaCertsFile: string | null;
  /** Last signed-in login, shown while the keychain is still being read. */
  lastLogin: string | null;
  /** Overrides the client identity sent to GitHub (any of its fields); COPILOT_RELAY_CLIENT_IDENTITY wins. */
  clientIdentity: ClientIdentityOverride | null;
  /** Local AI-credit budget per `budgetPeriod` (null: none); COPILOT_RELAY_BUDGET overrides it. */
  budgetCredits: number | null;
  budgetPeriod: 'day' | 'month';
  /** Days the usage ledger keeps each request. */
  usageRetentionDays: number;
}

export const SETTINGS_DEFAULTS: Settings = {
  port: 4141,
  host: '127.0.0.1',
  allowRemote: false,
  enterprise: null,
  apiKeyEnabled: false,
  startAtLogin: false,
  insecureStorage: false,
  bodyLimitMb: 32,
  extraCaCertsFile: null,
  lastLogin: null,
  clientIdentity: null,
  budgetCredits: null,
  budgetPeriod: 'month',
  usageRetentionDays: 90,
};

/** JSON Schema (draft 2020-12) of each key; unknown keys are kept as they are. */
export const SETTINGS_SCHEMA: { [K in keyof Settings]: Record<string, unknown> } = {
  port: { type: 'integer', minimum: 0, maximum: 65535 },
  host: { type: 'string', minLength: 1, maxLength: 255 },
  allowRemote: { type: 'boolean' },
  enterprise: { type: ['string', 'null'], maxLength: 255 },
  apiKeyEnabled: { type: 'boolean' },
  startAtLogin: { type: 'boolean' },
  insecureStorage: { type: 'boolean' },
  bodyLimitMb: { type: 'number', minimum: 1, maximum: 1024 },
  extraCaCertsFile: { type: ['string', 'null'] },
  lastLogin: { type: ['string', 'null'], maxLength: 100 },
  // Field values are checked again (header-safe characters, API version format) by identity.ts.
  clientIdentity: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: Object.fromEntries(['editorVersion', 'editorPluginVersion', 'userAgent', 'integrationId', 'apiVersion', 'proxyIntegrationId'].map((key) => [key, { type: 'string', minLength: 1, maxLength: 200 }])),
  },
  budgetCredits: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 10_000_000 },
  budgetPeriod: { type: 'string', enum: ['day', 'month'] },
  usageRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
};

/** Schema version stored with the file; migrations run in semver order up to it. */
export const SETTINGS_VERSION = '1.0.0';
