import type { PowerMonitor } from 'electron';
import type { RelayBackend } from '../core/service-host/client.js';

/**
 * Timers drift or stall across sleep (see electron-notes §4): on wake or unlock, have the core
 * re-check the token against the wall clock at once.
 */
export const WAKE_EVENTS = ['resume', 'unlock-screen', 'user-did-become-active'] as const;

export function wirePowerMonitor(powerMonitor: Pick<PowerMonitor, 'on' | 'removeListener'>, controller: Pick<RelayBackend, 'checkNow'>): () => void {
  const onWake = () => controller.checkNow();
  for (const name of WAKE_EVENTS) powerMonitor.on(name as 'resume', onWake);
  return () => {
    for (const name of WAKE_EVENTS) powerMonitor.removeListener(name as 'resume', onWake);
  };
}
