import { isLoopbackHostname } from '../config/endpoints.js';
import { RelayError } from '../errors.js';

/** Where the host came from: the words of the refusal name it. */
export type HostSource = 'flag' | 'settings';

export interface BindRequest {
  host: string;
  source: HostSource;
  /** `--allow-remote`, or the `allowRemote` setting. */
  allowRemote: boolean;
  /** True when every request must carry the API key. */
  apiKeyRequired: boolean;
}

/** How to listen: passed to the proxy server as they are. */
export interface BindPlan {
  host: string;
  /** Bound to loopback only. */
  loopback: boolean;
  /** What the `Listening on` line and the tray show: the bound address, or 127.0.0.1 for a wildcard. */
  shownHost: string;
  /** Host header values accepted besides the loopback names (the bound address itself). */
  extraHosts?: string[];
  /** Bound to a wildcard: any IP-literal Host with the port is accepted. */
  anyIpLiteralHost?: boolean;
}

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

export function isLoopbackBind(host: string): boolean {
  return isLoopbackHostname(bare(host));
}

/**
 * The one bind rule, whatever asks for the host (a flag, config.json, the window): loopback is
 * always fine; anything else serves the user's Copilot account to the network, so it needs remote
 * serving allowed explicitly AND an API key. Throws a `config` error with the fix otherwise.
 */
export function planBind(request: BindRequest): BindPlan {
  const host = request.host.trim();
  const address = bare(host);
  if (isLoopbackBind(host)) {
    const shownHost = address.includes(':') ? `[${address}]` : address;
    // 127.0.0.2 and friends: accept the address we bound as the Host (RT-19), or every request is 403.
    const standard = ['127.0.0.1', 'localhost', '::1'].includes(address.toLowerCase());
    return { host: address, loopback: true, shownHost, ...(standard ? {} : { extraHosts: [address] }) };
  }
  const where = request.source === 'flag' ? `--host ${host}` : `"host": "${host}" in config.json`;
  if (!request.allowRemote) {
    throw new RelayError('config', `Refusing to serve beyond this machine (${where}): the proxy serves your Copilot account.`, {
      fix: 'To allow it, pass --allow-remote and set an API key (COPILOT_RELAY_API_KEY); otherwise use 127.0.0.1.',
      desktopFix: 'To allow it, set "allowRemote": true and "apiKeyEnabled": true in config.json; otherwise set "host" back to 127.0.0.1.',
    });
  }
  if (!request.apiKeyRequired) {
    throw new RelayError('config', `Serving beyond this machine (${where}) requires an API key.`, {
      fix: 'Set COPILOT_RELAY_API_KEY (or --api-key).',
      desktopFix: 'Turn the API key on in the status window (or "apiKeyEnabled": true in config.json).',
    });
  }
  const wildcard = address === '0.0.0.0' || address === '::';
  if (wildcard) return { host: address, loopback: false, shownHost: '127.0.0.1', anyIpLiteralHost: true };
  return { host: address, loopback: false, shownHost: address.includes(':') ? `[${address}]` : address, extraHosts: [address] };
}
