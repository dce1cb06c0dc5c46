/**
 * A TLS front for the fake upstream: answers HTTPS for the given host names with their
 * certificates (by SNI) and passes the decrypted bytes to the plain-HTTP fake on loopback. With a
 * proxy that tunnels those names here, the relay talks HTTPS to "GitHub" and "Copilot" as it would
 * through a corporate network, trusting a private CA.
 */
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext, createServer } from 'node:tls';
import type { SecureContext, TLSSocket } from 'node:tls';

export interface TlsFront {
  port: number;
  /** Host names a TLS client asked for (SNI), in order. */
  servernames: string[];
  close(): Promise<void>;
}

export async function startTlsFront(fakePort: number, certificates: Record<string, { key: string; cert: string }>): Promise<TlsFront> {
  const contexts = new Map<string, SecureContext>(Object.entries(certificates).map(([host, pair]) => [host, createSecureContext(pair)]));
  const servernames: string[] = [];
  const sockets = new Set<Socket>();
  const first = Object.values(certificates)[0]!;
  const server = createServer({ ...first, SNICallback: (name, done) => {
    servernames.push(name);
    done(null, contexts.get(name));
  } }, (clear: TLSSocket) => {
    const plain = connect(fakePort, '127.0.0.1');
    for (const socket of [clear, plain]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    clear.pipe(plain).pipe(clear);
    clear.on('close', () => plain.destroy());
    plain.on('close', () => clear.destroy());
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    servernames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
