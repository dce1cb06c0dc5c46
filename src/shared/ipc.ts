import type { RelayStatus } from './status.js';
import type { ActivityRange, ActivityRow, ActivitySnapshot, EnvLineKind } from './usage.js';

/**
 * The one IPC contract between main, preload and renderer. Main's handlers, the preload's bridge,
 * `window.relay` and the e2e fake bridge all derive from it, so a channel can't drift on one side.
 */
export const IPC = {
  getStatus: 'relay:get-status',
  signIn: 'relay:sign-in',
  cancelSignIn: 'relay:cancel-sign-in',
  signOut: 'relay:sign-out',
  refreshNow: 'relay:refresh-now',
  copyUrl: 'relay:copy-url',
  copyApiKey: 'relay:copy-api-key',
  copyUserCode: 'relay:copy-user-code',
  openVerificationUri: 'relay:open-verification-uri',
  getSettings: 'relay:get-settings',
  setSettings: 'relay:set-settings',
  hideWindow: 'relay:hide-window',
  getLastView: 'relay:get-last-view',
  setLastView: 'relay:set-last-view',
  getActivity: 'relay:get-activity',
  copyEnvLine: 'relay:copy-env-line',
  setBudget: 'relay:set-budget',
} as const;

/** Main → renderer push on every status change. */
export const STATUS_EVENT = 'relay:status' as const;
/** Main → renderer push for each request the relay recorded (the Activity view's live list). */
export const ACTIVITY_EVENT = 'relay:activity' as const;
/** Main → renderer: show this view (the tray's "Activity…"). */
export const VIEW_EVENT = 'relay:view' as const;

/** The local AI-credit budget as the window sets it (null limit: no budget). */
export interface BudgetInput {
  limitCredits: number | null;
  period: 'day' | 'month';
}

export type IpcMethod = keyof typeof IPC;
export type IpcChannel = (typeof IPC)[IpcMethod];

/** The settings the window may read and change (a subset of the stored ones; no secrets). */
export interface WindowSettings {
  port: number;
  apiKeyEnabled: boolean;
  /** The real OS state, read back after every change. */
  startAtLogin: boolean;
  /** False where the OS can't honour it (unpackaged on macOS): the checkbox is disabled. */
  startAtLoginAvailable: boolean;
}

/** The window's views (main remembers the last one in its UI state). */
export type WindowView = 'status' | 'activity';

/** What a failed action returns: plain words for the user, never a stack or a token. */
export interface ActionResult {
  ok: boolean;
  message?: string;
}

/** Request (argument tuple) and response for every channel. */
export interface IpcContracts {
  getStatus: { request: []; response: RelayStatus };
  signIn: { request: [enterprise?: string | null]; response: ActionResult };
  cancelSignIn: { request: []; response: void };
  signOut: { request: []; response: ActionResult };
  refreshNow: { request: []; response: ActionResult };
  copyUrl: { request: []; response: ActionResult };
  copyApiKey: { request: []; response: ActionResult };
  copyUserCode: { request: []; response: ActionResult };
  openVerificationUri: { request: []; response: ActionResult };
  getSettings: { request: []; response: WindowSettings };
  setSettings: { request: [patch: Partial<Omit<WindowSettings, 'startAtLoginAvailable'>>]; response: WindowSettings };
  hideWindow: { request: []; response: void };
  getLastView: { request: []; response: WindowView };
  setLastView: { request: [view: WindowView]; response: void };
  getActivity: { request: [range: ActivityRange]; response: ActivitySnapshot };
  copyEnvLine: { request: [kind: EnvLineKind]; response: ActionResult };
  setBudget: { request: [budget: BudgetInput]; response: ActionResult };
}

// Compile-time coverage: every channel has a contract and every contract has a channel.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _coverage: Exact<IpcMethod, keyof IpcContracts> = true;
void _coverage;

export type IpcRequest<M extends IpcMethod> = IpcContracts[M]['request'];
export type IpcResponse<M extends IpcMethod> = IpcContracts[M]['response'];

/** `window.relay`: every contract method returns a promise; plus the status subscription. */
export type RelayApi = {
  [M in IpcMethod]: (...args: IpcRequest<M>) => Promise<IpcResponse<M>>;
} & {
  /** Subscribes to status pushes; returns the unsubscribe function. */
  onStatus(listener: (status: RelayStatus) => void): () => void;
  /** Subscribes to recorded requests (live Activity); returns the unsubscribe function. */
  onActivity(listener: (row: ActivityRow) => void): () => void;
  /** Main asks the window to show a view; returns the unsubscribe function. */
  onShowView(listener: (view: WindowView) => void): () => void;
};
