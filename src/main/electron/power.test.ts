import { describe, it, expect, vi } from 'vitest';
import type { PowerMonitor } from 'electron';
import { wirePowerMonitor } from './power.js';

describe('wirePowerMonitor', () => {
  it('calls checkNow on resume, unlock-screen and user-did-become-active, and unwires', () => {
    const listeners = new Map<string, () => void>();
    const powerMonitor = {
      on: vi.fn((name: string, fn: () => void) => listeners.set(name, fn)),
      removeListener: vi.fn((name: string) => listeners.delete(name)),
    } satisfies Record<keyof Pick<PowerMonitor, 'on' | 'removeListener'>, unknown>;
    const controller = { checkNow: vi.fn() };
    const off = wirePowerMonitor(powerMonitor as never, controller);
    for (const name of ['resume', 'unlock-screen', 'user-did-become-active']) listeners.get(name)!();
    expect(controller.checkNow).toHaveBeenCalledTimes(3);
    off();
    expect(listeners.size).toBe(0);
  });
});
