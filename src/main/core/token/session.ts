/** How requests to the Copilot API are authorised. */
export type AuthMode =
  /** GitHub token exchanged for a short-lived session token (the default). */
  | 'exchange'
  /** The exchange answered 404 for this token's OAuth app: the GitHub token itself is the Bearer. */
  | 'direct';

/** A usable credential for the Copilot API. `token` is a secret: never log, return or display it. */
export interface CopilotSession {
  token: string;
  mode: AuthMode;
  /** Copilot API base URL, validated (https under githubcopilot.com/ghe.com, or loopback in tests). */
  apiBaseUrl: string;
  sku: string | null;
  /** Wall-clock ms when it was received (local clock). */
  receivedAt: number;
  /** Wall-clock ms of expiry: the server's `expires_at`, capped by local `receivedAt + refresh_in + 60 s`. Infinity in direct mode. */
  expiresAt: number;
  /** Wall-clock ms at which a proactive refresh is due. Infinity in direct mode. */
  refreshAt: number;
}

/** What the proxy needs from the token manager. */
export interface SessionProvider {
  /** A session with at least ~2 minutes left; exchanges (single-flight) if needed. */
  getSession(signal?: AbortSignal): Promise<CopilotSession>;
  /** The Copilot API rejected this token (401/403): drop it if it is still the current one. */
  invalidate(token: string): void;
}
