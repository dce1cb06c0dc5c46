import { createHash } from 'node:crypto';
import type { GitHubEndpoints } from '../config/endpoints.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { acceptApiBase } from '../token/exchange.js';
import type { CopilotSession } from '../token/session.js';

/** SHA-256 hex of the GitHub token: the cache key for session tokens (never the token itself). */
export function fingerprint(githubToken: string): string {
  return createHash('sha256').update(githubToken).digest('hex');
}

/** A cached session is reused across restarts only with more than this left. */
export const SESSION_REUSE_MIN_MS = 5 * 60_000;

interface SessionRecord {
  v: 1;
  fingerprint: string;
  /** Omitted in direct mode: the GitHub token is the bearer there. */
  token?: string;
  mode: CopilotSession['mode'];
  apiBaseUrl: string;
  sku: string | null;
  receivedAt: number;
  /** null = Infinity (direct mode); JSON has no Infinity. */
  expiresAt: number | null;
  refreshAt: number | null;
}

/** How long a remembered "direct mode" verdict is trusted before the exchange is tried again. */
const DIRECT_VERDICT_MS = 60 * 60_000;

/**
 * The GitHub token and the cached session token for one GitHub host, both in the SAME store
 * (keychain entries `<host>` and `<host>#session`, or the one credential file). A token from
 * COPILOT_RELAY_GITHUB_TOKEN overrides the stored one, and then nothing is persisted.
 */
export class Credentials {
  private readonly memorySessions = new Map<string, string>();

  constructor(
    readonly store: SecretStore,
    readonly account: string,
    /** `endpoints`: whose rules a cached session's API base must pass (default: production, no loopback). */
    private readonly options: { envToken?: string | null; logger?: Logger; endpoints?: Pick<GitHubEndpoints, 'loopbackApi'> } = {},
  ) {
    options.logger?.addSecret(options.envToken);
  }

  private get logger(): Logger {
    return this.options.logger ?? silentLogger;
  }

  /** True when the token comes from the environment (memory only). */
  get fromEnvironment(): boolean {
    return Boolean(this.options.envToken);
  }

  private get sessionAccount(): string {
    return `${this.account}#session`;
  }

  async githubToken(): Promise<string | null> {
    if (this.options.envToken) return this.options.envToken;
    const token = await this.store.get(this.account);
    this.logger.addSecret(token);
    return token;
  }

  async saveGithubToken(token: string): Promise<void> {
    this.logger.addSecret(token);
    await this.store.set(this.account, token);
    // A new sign-in invalidates any session minted for the previous token.
    await this.store.delete(this.sessionAccount).catch(() => false);
  }

  /** The cached session for this GitHub token, if it has more than 5 minutes left (direct mode: a recent verdict). */
  async loadSession(githubToken: string, now: number): Promise<CopilotSession | null> {
    const raw = this.options.envToken ? this.memorySessions.get(this.sessionAccount) ?? null : await this.store.get(this.sessionAccount);
    if (!raw) return null;
    let record: SessionRecord;
    try {
      record = JSON.parse(raw) as SessionRecord;
    } catch {
      return null;
    }
    if (record?.v !== 1 || record.fingerprint !== fingerprint(githubToken)) return null;
    // RT-15: whoever can write the store must not be able to redirect every prompt: the stored API
    // base passes the same check as an exchanged one, or the record is ignored (a fresh exchange follows).
    const apiBaseUrl = typeof record.apiBaseUrl === 'string' ? acceptApiBase(record.apiBaseUrl, this.options.endpoints ?? { loopbackApi: false }) : null;
    if (!apiBaseUrl) {
      this.logger.warn('Ignoring the cached Copilot session: its API address is not a Copilot one; exchanging a new one');
      return null;
    }
    if (record.mode === 'direct') {
      if (now - record.receivedAt > DIRECT_VERDICT_MS || now < record.receivedAt) return null;
      return { token: githubToken, mode: 'direct', apiBaseUrl, sku: record.sku, receivedAt: record.receivedAt, expiresAt: Infinity, refreshAt: Infinity };
    }
    if (typeof record.token !== 'string' || typeof record.expiresAt !== 'number' || record.expiresAt - now <= SESSION_REUSE_MIN_MS) return null;
    // A session "received" in the future means the clock jumped back: don't trust its timing.
    if (record.receivedAt > now) return null;
    this.logger.addSecret(record.token, { until: record.expiresAt });
    return {
      token: record.token,
      mode: 'exchange',
      apiBaseUrl,
      sku: record.sku,
      receivedAt: record.receivedAt,
      expiresAt: record.expiresAt,
      refreshAt: Math.min(record.refreshAt ?? record.expiresAt, record.expiresAt - SESSION_REUSE_MIN_MS),
    };
  }

  async saveSession(githubToken: string, session: CopilotSession): Promise<void> {
    const direct = session.mode === 'direct';
    const record: SessionRecord = {
      v: 1,
      fingerprint: fingerprint(githubToken),
      ...(direct ? {} : { token: session.token }),
      mode: session.mode,
      apiBaseUrl: session.apiBaseUrl,
      sku: session.sku,
      receivedAt: session.receivedAt,
      expiresAt: Number.isFinite(session.expiresAt) ? session.expiresAt : null,
      refreshAt: Number.isFinite(session.refreshAt) ? session.refreshAt : null,
    };
    const text = JSON.stringify(record);
    if (this.options.envToken) this.memorySessions.set(this.sessionAccount, text);
    else await this.store.set(this.sessionAccount, text);
  }

  async dropSession(): Promise<void> {
    this.memorySessions.clear();
    if (!this.options.envToken) await this.store.delete(this.sessionAccount);
  }

  /** Logout: the GitHub token and every cached session token. True when something was stored. */
  async clear(): Promise<boolean> {
    this.memorySessions.clear();
    const token = await this.store.delete(this.account);
    const session = await this.store.delete(this.sessionAccount);
    return token || session;
  }
}
