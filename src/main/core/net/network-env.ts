import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { RelayError } from '../errors.js';

/** True when the environment names an HTTP(S) proxy (either case, as curl and undici read them). */
export function hasProxyEnv(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/**
 * The CA list for upstream TLS when the `extraCaCertsFile` setting names a file (corporate TLS
 * interception): Node's root certificates, the NODE_EXTRA_CA_CERTS file and that file. Undefined
 * without the setting: Node's default store then applies, NODE_EXTRA_CA_CERTS included. (An
 * explicit `ca` replaces Node's default store, so NODE_EXTRA_CA_CERTS has to be added back by hand.)
 */
export function loadCaBundle(caFile: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (!caFile) return undefined;
  let extra: string;
  try {
    extra = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new RelayError('config', `Could not read the extra CA certificates file ${caFile}.`, { cause: error });
  }
  // Node itself only warns when NODE_EXTRA_CA_CERTS can't be read; so do we (by leaving it out).
  let nodeExtra: string[] = [];
  try {
    if (env.NODE_EXTRA_CA_CERTS) nodeExtra = [readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8')];
  } catch {
    nodeExtra = [];
  }
  return [...rootCertificates, ...nodeExtra, extra];
}

/** TLS verification failures (an unknown CA, a TLS-inspecting proxy, a self-signed certificate). */
const CERTIFICATE_CODES = /^(?:UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** The OpenSSL/Node code of a certificate failure in `error` or its causes, or null. */
export function certificateErrorCode(error: unknown): string | null {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && CERTIFICATE_CODES.test(e.code)) return e.code;
  }
  return null;
}

/** What to do about a certificate failure (corporate TLS inspection is the usual cause). */
export const CERTIFICATE_FIX = 'Behind a TLS-inspecting proxy, give its CA certificate as the extraCaCertsFile setting or NODE_EXTRA_CA_CERTS.';
