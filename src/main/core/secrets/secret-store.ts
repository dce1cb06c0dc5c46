/**
 * Where credentials live: the OS keychain by default, an opt-in 0600 file otherwise. Accounts are
 * the GitHub host (`github.com`, `octo.ghe.com`) and `<host>#session` for the cached session token.
 * Values are opaque strings; callers never log them.
 */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when something was deleted. */
  delete(account: string): Promise<boolean>;
  /** Where the secrets are, in words ("the system keychain", "/home/me/.config/…/credentials.json"). */
  describe(): string;
}

/** Keychain service name shared by the tray app and the CLI. */
export const SECRET_SERVICE = 'copilot-relay';

/** Account of the proxy's API key (beside the GitHub token; never in settings or logs). */
export const API_KEY_ACCOUNT = 'copilot-relay#api-key';
