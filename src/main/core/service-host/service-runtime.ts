import { RelayError, isRelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { redact } from '../log/redact.js';
import { RelayService } from '../service/relay-service.js';
import type { RelayServiceOptions } from '../service/relay-service.js';
import { SettingsFileError, backUpSettingsFile } from '../settings/store.js';
import type { Channel } from './channel.js';
import { ContractViolation, parseRequest } from './contract.js';
import type { RequestMessage, ServiceMessage, ServiceParams, ServiceSettings, StartupFailure, WireError } from './contract.js';
import type { ActivityRow } from '../../../shared/usage.js';

export interface ServiceRuntimeOptions {
  channel: Channel;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Ends the process (after a shutdown request, SIGTERM or the host going away). */
  exit: (code: number) => void;
  /** Tests: server knobs and the like. */
  serviceOptions?: Partial<Omit<RelayServiceOptions, 'env' | 'logger' | 'shell'>>;
}

/** A failure in words for the other side of the process boundary; redacted, never a stack. */
export function toWireError(error: unknown): WireError {
  if (isRelayError(error)) return { kind: error.kind, message: redact(error.message), fix: error.fix ?? null, desktopFix: error.desktopFix ?? null };
  return { kind: 'internal', message: redact(`Internal error in the relay service: ${error instanceof Error ? error.message : String(error)}`), fix: null, desktopFix: null };
}

/**
 * The service process: one RelayService (shell 'desktop') behind the message contract. Requests
 * are validated before they reach the service; every status change becomes a `status` event.
 * When the service can't start (settings file, CA file), the process stays up and says why
 * (`startup-failed`), answering only resetSettings and shutdown.
 */
/** Recorded requests are pushed to the host in batches, at most this often (a busy relay records hundreds a second). */
const ACTIVITY_EVERY_MS = 250;
/** The window lists the last 50: a batch never needs more. */
const ACTIVITY_BATCH_MAX = 50;

export class ServiceRuntime {
  private service: RelayService | null = null;
  private activity: ActivityRow[] = [];
  private activityTimer: NodeJS.Timeout | null = null;
  private failure: StartupFailure | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: ServiceRuntimeOptions) {}

  start(): void {
    const { channel } = this.options;
    channel.onMessage((raw) => void this.handle(raw));
    channel.onClose(() => void this.shutdown());
    this.open();
  }

  private send(message: ServiceMessage): void {
    this.options.channel.send(message);
  }

  private open(): void {
    const { env, logger } = this.options;
    let service: RelayService;
    try {
      service = new RelayService({ ...this.options.serviceOptions, env, logger, shell: 'desktop' });
    } catch (error) {
      this.failure = { ...toWireError(error), settingsFile: error instanceof SettingsFileError ? error.file : null };
      logger.error(`The relay service could not start: ${this.failure.message}`);
      this.send({ type: 'event', event: 'startup-failed', error: this.failure });
      return;
    }
    this.service = service;
    this.failure = null;
    service.onStatus((status) => this.send({ type: 'event', event: 'status', status }));
    service.usage.onRecord((row) => this.queueActivity(row));
    service.usage.onWarning((notice) => {
      logger.warn(`${notice.title}. ${notice.body}`);
      this.send({ type: 'event', event: 'budget-warning', notice });
    });
    service.start();
    void this.startProxyIfSignedIn(service).finally(() => this.send({ type: 'event', event: 'ready', status: service.status() }));
  }

  private queueActivity(row: ActivityRow): void {
    this.activity.push(row);
    if (this.activity.length > ACTIVITY_BATCH_MAX) this.activity.shift();
    this.activityTimer ??= setTimeout(() => this.sendActivity(), ACTIVITY_EVERY_MS);
  }

  private sendActivity(): void {
    if (this.activityTimer) clearTimeout(this.activityTimer);
    this.activityTimer = null;
    const rows = this.activity;
    this.activity = [];
    if (rows.length > 0) this.send({ type: 'event', event: 'activity', rows });
  }

  /** Listens at once when a sign-in is stored (a session may still be on its way); a failure shows in the status. */
  private async startProxyIfSignedIn(service: RelayService): Promise<void> {
    const signedIn = await service.checkSignIn().then(() => true, () => false);
    if (signedIn && !service.proxy.running) await service.proxy.start().catch(() => undefined);
  }

  private async handle(raw: unknown): Promise<void> {
    const request = parseRequest(raw);
    if (request instanceof ContractViolation) {
      this.options.logger.warn(`Refused a message from the host: ${request.message}`);
      if (request.id !== undefined) this.send({ type: 'response', id: request.id, ok: false, error: { kind: 'contract', message: request.message, fix: null, desktopFix: null } });
      return;
    }
    try {
      const result = await this.dispatch(request);
      this.send({ type: 'response', id: request.id, ok: true, result: result ?? null });
    } catch (error) {
      this.send({ type: 'response', id: request.id, ok: false, error: toWireError(error) });
    }
    if (request.method === 'shutdown') await this.shutdown();
  }

  private settings(service: RelayService): ServiceSettings {
    return { port: service.settings.get('port'), apiKeyEnabled: service.settings.get('apiKeyEnabled') };
  }

  private async dispatch(request: RequestMessage): Promise<unknown> {
    if (request.method === 'shutdown') return null;
    if (request.method === 'resetSettings') {
      if (!this.failure?.settingsFile) throw new RelayError('config', 'The settings file is fine: nothing to reset.');
      const backup = backUpSettingsFile({ env: this.options.env });
      this.options.logger.info(`Settings reset to the defaults; the old file is kept as ${backup}`);
      this.open();
      return { backup };
    }
    const service = this.service;
    if (!service) throw new RelayError('config', `The relay service did not start: ${this.failure?.message ?? 'unknown reason'}`);
    switch (request.method) {
      case 'getStatus':
        return service.status();
      case 'signIn': {
        const { enterprise } = request.params as { enterprise?: string | null };
        const result = await service.signIn(enterprise === undefined ? {} : { enterprise });
        if (!service.proxy.running) await service.proxy.start().catch(() => undefined);
        return result;
      }
      case 'cancelSignIn':
        return service.cancelSignIn();
      case 'signOut':
        return service.signOut();
      case 'refreshNow':
        return service.refreshNow();
      case 'checkNow':
        return service.checkNow();
      case 'getSettings':
        return this.settings(service);
      case 'setSettings':
        await service.setSettings(request.params as Partial<ServiceSettings>);
        return this.settings(service);
      case 'getApiKey':
        return service.proxy.apiKey;
      case 'getActivity':
        return service.usage.activity((request.params as ServiceParams<'getActivity'>).range);
      case 'setBudget':
        return service.usage.setBudget(request.params as ServiceParams<'setBudget'>);
    }
    throw new RelayError('config', `Unknown method ${String(request.method)}`);
  }

  /** Lets in-flight requests finish (bounded), then exits 0. A second call waits for the first. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.service?.close().catch((error: unknown) => this.options.logger.warn(`Stopping the service failed: ${String(error)}`));
      this.sendActivity();
      this.options.exit(0);
    })();
    return this.stopping;
  }
}
