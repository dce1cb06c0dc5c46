import type { RelayStatus } from '../../shared/status.js';
import type { RelayController } from './controller.js';
import type { RelayServiceOptions } from './service/relay-service.js';
import { RelayService } from './service/relay-service.js';

export type RelayOptions = Omit<RelayServiceOptions, 'shell'> & { autoStartProxy?: boolean };

/**
 * Transitional: the tray app's RelayController over the one RelayService, in-process. The desktop
 * app moves to the service process (service-host) next; this file goes with it.
 */
export async function createRelay(options: RelayOptions): Promise<RelayController & { service: RelayService }> {
  const service = new RelayService({ ...options, shell: 'desktop' });
  const autoStart = options.autoStartProxy !== false;
  service.start();
  const signedIn = await service.checkSignIn().then(() => true, () => false);
  if (signedIn && autoStart) await service.proxy.start().catch(() => undefined);
  return {
    service,
    status: (): RelayStatus => service.status(),
    onStatus: (listener) => service.onStatus(listener),
    signIn: async (opts) => {
      await service.signIn(opts);
      if (autoStart && !service.proxy.running) await service.proxy.start().catch(() => undefined);
    },
    cancelSignIn: () => service.cancelSignIn(),
    signOut: () => service.signOut(),
    refreshNow: () => service.refreshNow(),
    checkNow: () => service.checkNow(),
    startProxy: async (opts = {}) => {
      if (opts.port !== undefined) await service.setSettings({ port: opts.port });
      const { origin } = await service.proxy.start();
      return { url: `${origin}/v1` };
    },
    stopProxy: () => service.proxy.stop(),
    apiKey: () => service.proxy.apiKey,
    close: () => service.close(),
  };
}
