import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { RelayError } from '../errors.js';

/** True when the environment names an HTTP(S) proxy (either case, as curl and undici read them). */
export function hasProxyEnv(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/**
 * Node's root certificates plus the extra CA file from the settings (corporate TLS interception),
 * or undefined when there is none. NODE_EXTRA_CA_CERTS is applied by Node itself.
 */
export function loadCaBundle(caFile: string | null | undefined): string[] | undefined {
  if (!caFile) return undefined;
  try {
    return [...rootCertificates, readFileSync(caFile, 'utf8')];
  } catch (error) {
    throw new RelayError('config', `Could not read the extra CA certificates file ${caFile}.`, { cause: error });
  }
}
