import type { CopilotSession, SessionProvider } from '../../src/main/core/token/session.js';

/**
 * A minimal SessionProvider for proxy tests and the benchmark: exchanges the GitHub token against
 * the fake upstream (single-flight), caches the session, drops it on invalidate().
 */
export class TestSessionProvider implements SessionProvider {
  exchanges = 0;
  private current: CopilotSession | null = null;
  private pending: Promise<CopilotSession> | null = null;

  constructor(private readonly githubUrl: string, private readonly githubToken: string) {}

  async getSession(signal?: AbortSignal): Promise<CopilotSession> {
    if (this.current && this.current.expiresAt - Date.now() > 120_000) return this.current;
    this.pending ??= this.exchange(signal).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
  }

  private async exchange(signal?: AbortSignal): Promise<CopilotSession> {
    this.exchanges++;
    const res = await fetch(`${this.githubUrl}/copilot_internal/v2/token`, {
      headers: { authorization: `token ${this.githubToken}`, accept: 'application/json', 'editor-version': 'vscode/1.107.0' },
      signal,
    });
    if (!res.ok) throw new Error(`exchange failed: HTTP ${res.status}`);
    const body = (await res.json()) as { token: string; expires_at: number; refresh_in: number; sku?: string; endpoints?: { api?: string } };
    const now = Date.now();
    this.current = {
      token: body.token,
      mode: 'exchange',
      apiBaseUrl: body.endpoints?.api ?? `${this.githubUrl}/capi`,
      sku: body.sku ?? null,
      receivedAt: now,
      expiresAt: body.expires_at * 1000,
      refreshAt: now + body.refresh_in * 1000,
    };
    return this.current;
  }
}
