import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { RelayStatus } from '../../../shared/status.js';
import type { ActivityRange, ActivityRow, ActivitySnapshot, BudgetSaved } from '../../../shared/usage.js';
import { ACTIVITY_PARAMS, ACTIVITY_ROW, ACTIVITY_SNAPSHOT, BUDGET_NOTICE, BUDGET_PARAMS, BUDGET_SAVED, USAGE_STATUS } from './usage-schemas.js';

/**
 * The one message contract between the desktop app's main process (the host) and the relay
 * service process (utilityProcess in the app, child_process.fork in tests). Both sides validate
 * every message they receive against the schemas here; anything else is dropped or refused.
 * Messages are plain JSON (no Infinity, no functions): the same under structured clone and fork's JSON.
 */

/** The settings the window may read and change through the service (the owner of config.json). */
export interface ServiceSettings {
  port: number;
  apiKeyEnabled: boolean;
}

/** Request params and result for every method the host may call. */
export interface ServiceContracts {
  getStatus: { params: null; result: RelayStatus };
  /** Device flow; the prompt arrives in status events. Resolves once signed in. */
  signIn: { params: { enterprise?: string | null }; result: { login: string } };
  cancelSignIn: { params: null; result: null };
  signOut: { params: null; result: null };
  refreshNow: { params: null; result: null };
  /** Wake, unlock: re-check the token against the wall clock. */
  checkNow: { params: null; result: null };
  getSettings: { params: null; result: ServiceSettings };
  /** Saved by the service; a running proxy restarts on a port or key change. */
  setSettings: { params: Partial<ServiceSettings>; result: ServiceSettings };
  /** For "Copy API key" (main puts it on the clipboard; it is never logged). */
  getApiKey: { params: null; result: string | null };
  /** Only after a start-up failure of the settings file: moves it aside and starts with the defaults. */
  resetSettings: { params: null; result: { backup: string } };
  /** The window's Activity view: spend, bars, limits, budget and the last 50 requests from the usage ledger. */
  getActivity: { params: { range: ActivityRange }; result: ActivitySnapshot };
  /** Saves the window's budget (config.json) and applies it at once; says when `COPILOT_RELAY_BUDGET` wins. */
  setBudget: { params: { limitCredits: number | null; period: 'day' | 'month' }; result: BudgetSaved };
  /** Graceful stop (in-flight requests finish, bounded); the process then exits 0. */
  shutdown: { params: null; result: null };
}

export type ServiceMethod = keyof ServiceContracts;
export type ServiceParams<M extends ServiceMethod> = ServiceContracts[M]['params'];
export type ServiceResult<M extends ServiceMethod> = ServiceContracts[M]['result'];

/** A failure as it crosses the process boundary: words for the user, never a stack or a token. */
export interface WireError {
  kind: string;
  message: string;
  fix: string | null;
  desktopFix: string | null;
}

export interface StartupFailure extends WireError {
  /** The settings file that could not be used: the app offers to reset it (keeping a backup). */
  settingsFile: string | null;
}

/** Host → service. */
export interface RequestMessage<M extends ServiceMethod = ServiceMethod> {
  type: 'request';
  id: number;
  method: M;
  params: ServiceParams<M>;
}

/** Service → host. */
export type ServiceMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: WireError }
  /** Every status change; `ready` once, when the service is up and serving requests. */
  | { type: 'event'; event: 'status' | 'ready'; status: RelayStatus }
  /** The service could not start (unusable settings file, unreadable CA file); it waits for resetSettings or shutdown. */
  | { type: 'event'; event: 'startup-failed'; error: StartupFailure }
  /** Requests the usage ledger recorded since the last such event (newest last; a few per second at most). */
  | { type: 'event'; event: 'activity'; rows: ActivityRow[] }
  /** 80 % of the local budget is spent (once per period): the desktop shows it as a notification. */
  | { type: 'event'; event: 'budget-warning'; notice: BudgetNotice };

/** The budget warning as the desktop notification shows it. */
export interface BudgetNotice {
  title: string;
  body: string;
}

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const str = { type: 'string', maxLength: 4096 };
const num = { type: 'number' };

const WIRE_ERROR = {
  type: 'object',
  required: ['kind', 'message', 'fix', 'desktopFix'],
  properties: { kind: { type: 'string', maxLength: 64 }, message: str, fix: nullable(str), desktopFix: nullable(str) },
};

const STATUS_ERROR = { type: 'object', required: ['kind', 'message', 'fix', 'at'], additionalProperties: false, properties: { kind: { type: 'string', maxLength: 64 }, message: str, fix: nullable(str), at: num } };

/** RelayStatus, field by field (src/shared/status.ts). */
export const STATUS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['phase', 'login', 'sku', 'plan', 'mode', 'expiresAt', 'refreshedAt', 'nextRefreshAt', 'apiBaseUrl', 'enterprise', 'quota', 'usage', 'lastError', 'signIn', 'proxy', 'service'],
  properties: {
    phase: { enum: ['signed-out', 'signing-in', 'ready', 'refreshing', 'error'] },
    login: nullable(str),
    sku: nullable(str),
    plan: nullable(str),
    mode: { enum: ['exchange', 'direct', null] },
    expiresAt: nullable(num),
    refreshedAt: nullable(num),
    nextRefreshAt: nullable(num),
    apiBaseUrl: nullable(str),
    enterprise: nullable(str),
    quota: nullable({
      type: 'object',
      additionalProperties: false,
      required: ['entitlement', 'remaining', 'unlimited', 'percentRemaining', 'resetsAt'],
      properties: { entitlement: nullable(num), remaining: nullable(num), unlimited: { type: 'boolean' }, percentRemaining: nullable(num), resetsAt: nullable(str) },
    }),
    usage: USAGE_STATUS,
    lastError: nullable(STATUS_ERROR),
    signIn: nullable({ type: 'object', additionalProperties: false, required: ['userCode', 'verificationUri', 'expiresAt'], properties: { userCode: { type: 'string', maxLength: 64 }, verificationUri: str, expiresAt: num } }),
    proxy: { type: 'object', additionalProperties: false, required: ['url', 'running', 'apiKeyRequired'], properties: { url: nullable(str), running: { type: 'boolean' }, apiKeyRequired: { type: 'boolean' } } },
    service: {
      type: 'object',
      additionalProperties: false,
      required: ['state', 'restarts', 'lastExit'],
      properties: { state: { enum: ['starting', 'running', 'restarting', 'failed'] }, restarts: { type: 'integer', minimum: 0 }, lastExit: nullable(str) },
    },
  },
};

const SETTINGS_RESULT = { type: 'object', additionalProperties: false, required: ['port', 'apiKeyEnabled'], properties: { port: { type: 'integer', minimum: 0, maximum: 65535 }, apiKeyEnabled: { type: 'boolean' } } };
const NO_PARAMS = { type: 'null' };
const NULL_RESULT = { type: 'null' };
const HOST = { type: 'string', pattern: '^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$' };

/** Params and result schemas per method: the host checks results, the service checks params. */
export const METHOD_SCHEMAS: { [M in ServiceMethod]: { params: object; result: object } } = {
  getStatus: { params: NO_PARAMS, result: STATUS_SCHEMA },
  signIn: { params: { type: 'object', additionalProperties: false, properties: { enterprise: nullable(HOST) } }, result: { type: 'object', additionalProperties: false, required: ['login'], properties: { login: { type: 'string', maxLength: 100 } } } },
  cancelSignIn: { params: NO_PARAMS, result: NULL_RESULT },
  signOut: { params: NO_PARAMS, result: NULL_RESULT },
  refreshNow: { params: NO_PARAMS, result: NULL_RESULT },
  checkNow: { params: NO_PARAMS, result: NULL_RESULT },
  getSettings: { params: NO_PARAMS, result: SETTINGS_RESULT },
  setSettings: {
    params: { type: 'object', additionalProperties: false, minProperties: 1, properties: { port: { type: 'integer', minimum: 1, maximum: 65535 }, apiKeyEnabled: { type: 'boolean' } } },
    result: SETTINGS_RESULT,
  },
  getApiKey: { params: NO_PARAMS, result: nullable({ type: 'string', minLength: 1, maxLength: 512 }) },
  resetSettings: { params: NO_PARAMS, result: { type: 'object', additionalProperties: false, required: ['backup'], properties: { backup: str } } },
  getActivity: { params: ACTIVITY_PARAMS, result: ACTIVITY_SNAPSHOT },
  setBudget: { params: BUDGET_PARAMS, result: BUDGET_SAVED },
  shutdown: { params: NO_PARAMS, result: NULL_RESULT },
};

const ajv = new Ajv({ allErrors: false, strict: false });
const compile = <T>(schema: object) => ajv.compile<T>(schema);

const requestEnvelope = compile<RequestMessage>({
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id', 'method', 'params'],
  properties: { type: { const: 'request' }, id: { type: 'integer', minimum: 1 }, method: { enum: Object.keys(METHOD_SCHEMAS) }, params: {} },
});
const paramValidators = Object.fromEntries(Object.entries(METHOD_SCHEMAS).map(([m, s]) => [m, compile(s.params)])) as Record<ServiceMethod, ValidateFunction>;
const resultValidators = Object.fromEntries(Object.entries(METHOD_SCHEMAS).map(([m, s]) => [m, compile(s.result)])) as Record<ServiceMethod, ValidateFunction>;

const serviceMessage = compile<ServiceMessage>({
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['type', 'id', 'ok', 'result'], properties: { type: { const: 'response' }, id: { type: 'integer', minimum: 1 }, ok: { const: true }, result: {} } },
    { type: 'object', additionalProperties: false, required: ['type', 'id', 'ok', 'error'], properties: { type: { const: 'response' }, id: { type: 'integer', minimum: 1 }, ok: { const: false }, error: WIRE_ERROR } },
    { type: 'object', additionalProperties: false, required: ['type', 'event', 'status'], properties: { type: { const: 'event' }, event: { enum: ['status', 'ready'] }, status: STATUS_SCHEMA } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'event', 'error'],
      properties: { type: { const: 'event' }, event: { const: 'startup-failed' }, error: { ...WIRE_ERROR, required: [...WIRE_ERROR.required, 'settingsFile'], properties: { ...WIRE_ERROR.properties, settingsFile: nullable(str) } } },
    },
    { type: 'object', additionalProperties: false, required: ['type', 'event', 'rows'], properties: { type: { const: 'event' }, event: { const: 'activity' }, rows: { type: 'array', minItems: 1, maxItems: 100, items: ACTIVITY_ROW } } },
    { type: 'object', additionalProperties: false, required: ['type', 'event', 'notice'], properties: { type: { const: 'event' }, event: { const: 'budget-warning' }, notice: BUDGET_NOTICE } },
  ],
});

export class ContractViolation extends Error {}

/** Service side: a request from the host, or a ContractViolation saying what is wrong (the id when there is one). */
export function parseRequest(raw: unknown): RequestMessage | ContractViolation & { id?: number } {
  if (!requestEnvelope(raw)) {
    const id = typeof (raw as { id?: unknown } | null)?.id === 'number' ? (raw as { id: number }).id : undefined;
    return Object.assign(new ContractViolation(`malformed request: ${ajv.errorsText(requestEnvelope.errors)}`), { id });
  }
  if (!paramValidators[raw.method](raw.params)) return Object.assign(new ContractViolation(`bad params for ${raw.method}: ${ajv.errorsText(paramValidators[raw.method].errors)}`), { id: raw.id });
  return raw;
}

/** Host side: a message from the service, or a ContractViolation. */
export function parseServiceMessage(raw: unknown): ServiceMessage | ContractViolation {
  return serviceMessage(raw) ? raw : new ContractViolation(`malformed service message: ${ajv.errorsText(serviceMessage.errors)}`);
}

/** Host side: a response's result checked against the method it answers. */
export function checkResult<M extends ServiceMethod>(method: M, result: unknown): ServiceResult<M> | ContractViolation {
  return resultValidators[method](result) ? (result as ServiceResult<M>) : new ContractViolation(`bad result for ${method}: ${ajv.errorsText(resultValidators[method].errors)}`);
}
