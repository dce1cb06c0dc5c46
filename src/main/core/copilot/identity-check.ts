import { RelayError } from '../errors.js';
import { redact } from '../log/redact.js';
import { clientIdentity } from './headers.js';
import { CLIENT_IDENTITY_ENV } from './identity.js';

/**
 * "Client identity outdated": GitHub answered HTTP 466 ("client not supported"; it cut older clients
 * off that way on 2026-02-11), or a 400/404 whose message names the API version (`invalid
 * apiVersion`). Retrying can't help; a new identity can, without a release.
 */

/** The code relay answers carry for this failure (OpenAI `error.code`). */
export const IDENTITY_OUTDATED_CODE = 'client_identity_outdated';

// Linear: no nested quantifiers (it runs on upstream text, which is capped below).
const NAMES_API_VERSION = /api[ _-]?version/i;

type Listener = (error: RelayError) => void;
const listeners = new Set<Listener>();
let last: RelayError | null = null;

function upstreamMessage(body: unknown): string {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return '';
  const record = body as Record<string, unknown>;
  const inner = record.error;
  if (typeof inner === 'string') return inner;
  if (typeof inner === 'object' && inner !== null) {
    const { message, code } = inner as Record<string, unknown>;
    return [message, code].filter((part): part is string => typeof part === 'string').join(' ');
  }
  return [record.message, record.code].filter((part): part is string => typeof part === 'string').join(' ');
}

/** The error itself (also what `status` and the tray show). */
export function clientOutdatedError(upstreamStatus: number, detail = ''): RelayError {
  const id = clientIdentity();
  const said = detail ? `: ${redact(detail)}` : '';
  const example = `{"editorVersion":"vscode/<current>","editorPluginVersion":"copilot-chat/<current>","apiVersion":"<date>"}`;
  return new RelayError(
    'client-outdated',
    `GitHub no longer accepts this client identity (${id.editorVersion}, ${id.editorPluginVersion}, API version ${id.apiVersion}); the Copilot API answered HTTP ${upstreamStatus}${said}.`,
    {
      status: upstreamStatus,
      fix: `Set ${CLIENT_IDENTITY_ENV} to a current identity, e.g. '${example}' (or the clientIdentity setting), then restart; or update copilot-relay.`,
      desktopFix: `Update Copilot Relay, or set "clientIdentity" in its config.json (or ${CLIENT_IDENTITY_ENV}) to a current editor identity and restart it.`,
    },
  );
}

/**
 * Upstream status + its parsed body (JSON value, or the text when it wasn't JSON) → the
 * client-outdated RelayError, or null for any other failure. A match is also recorded and passed to
 * the listeners (`onClientIdentityRejected`), so `status` and the tray can show it.
 */
export function checkClientIdentity(status: number, body: unknown): RelayError | null {
  if (status !== 466 && status !== 400 && status !== 404) return null;
  const message = upstreamMessage(body).slice(0, 500);
  if (status !== 466 && !NAMES_API_VERSION.test(message)) return null;
  const error = clientOutdatedError(status, message.trim().slice(0, 200));
  last = error;
  for (const listener of listeners) {
    try {
      listener(error);
    } catch {
      // A failing listener must not turn this answer into a crash.
    }
  }
  return error;
}

/** Called on every rejection seen from now on (the service shows it in `status` and the tray). */
export function onClientIdentityRejected(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The last rejection since start-up (or since the identity was last accepted), or null. */
export function lastClientIdentityRejection(): RelayError | null {
  return last;
}

/** Forget the last rejection: a later answer proved the identity is accepted (the model list refreshed). */
export function clearClientIdentityRejection(): void {
  last = null;
}
