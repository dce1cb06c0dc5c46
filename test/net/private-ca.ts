/**
 * A private certificate authority for the network tests, made with the openssl CLI in a temporary
 * directory: a CA certificate (what a corporate network installs on its machines) and server
 * certificates it signs for the names the tests' TLS front answers. EC P-256 keys, valid two days.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateCa {
  /** PEM file of the CA certificate (give it as extraCaCertsFile or NODE_EXTRA_CA_CERTS). */
  certFile: string;
  /** A server key and certificate for `hostname`, signed by this CA. */
  issue(hostname: string): { key: string; cert: string };
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

export function createPrivateCa(dir: string, name: string): PrivateCa {
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 1;
  return {
    certFile: join(dir, `${name}.pem`),
    issue(hostname) {
      const base = `${name}-${hostname}`;
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=DNS:${hostname}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', ...ecKey, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${hostname}`], dir);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}.key`, '-set_serial', String(serial++), '-days', '2', '-out', `${base}.pem`, '-extfile', `${base}.ext`], dir);
      return { key: readFileSync(join(dir, `${base}.key`), 'utf8'), cert: readFileSync(join(dir, `${base}.pem`), 'utf8') };
    },
  };
}
