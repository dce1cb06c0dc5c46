import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Request guards against the attacks local proxies keep suffering (protocol doc §13): DNS
 * rebinding (foreign Host), drive-by requests from web pages (foreign Origin), and, optionally, an
 * API key for everything but /health.
 */

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Splits `host[:port]` (IPv6 literals in brackets). Returns null when malformed. */
export function parseHostHeader(value: string): { hostname: string; port: number | null } | null {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return null;
  return { hostname: match[1]!.toLowerCase(), port: match[2] === undefined ? null : Number(match[2]) };
}

export interface HostPolicy {
  port: number;
  /** Extra accepted hostnames (the bound address when serving beyond loopback, by explicit opt-in). */
  extraHosts?: readonly string[];
  /** Bound to a wildcard address (0.0.0.0 / ::) by opt-in: accept IP literals, never other names. */
  anyIpLiteral?: boolean;
  /** Cache of the two Host values local clients send for this port (filled by hostAllowed). */
  commonHosts?: { port: number; ip: string; name: string };
}

/** The Host header must name loopback (or an opted-in address) with our port: blocks DNS rebinding. */
export function hostAllowed(host: string | undefined, policy: HostPolicy): boolean {
  if (!host) return false;
  // What local clients send (`127.0.0.1:<port>`, `localhost:<port>`): no parse on the hot path.
  let common = policy.commonHosts;
  if (common?.port !== policy.port) common = policy.commonHosts = { port: policy.port, ip: `127.0.0.1:${policy.port}`, name: `localhost:${policy.port}` };
  if (host === common.ip || host === common.name) return true;
  const parsed = parseHostHeader(host);
  if (!parsed) return false;
  const port = parsed.port ?? 80;
  if (port !== policy.port) return false;
  if (LOOPBACK_NAMES.has(parsed.hostname)) return true;
  if (policy.extraHosts?.some((h) => h.toLowerCase() === parsed.hostname || `[${h.toLowerCase()}]` === parsed.hostname)) return true;
  if (policy.anyIpLiteral) return isIP(parsed.hostname.replace(/^\[|\]$/g, '')) !== 0;
  return false;
}

/** A browser Origin is fine only when it is a loopback page (any port); `null` and everything else is refused. */
export function isLoopbackOrigin(origin: string): boolean {
  const match = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i.exec(origin.trim());
  return match !== null;
}

export function originAllowed(origin: string | undefined): boolean {
  return origin === undefined || isLoopbackOrigin(origin);
}

/** Constant-time API key check: compares SHA-256 digests, so neither content nor length leaks by timing. */
export class ApiKeyCheck {
  private readonly digest: Buffer;

  constructor(key: string) {
    this.digest = createHash('sha256').update(key, 'utf8').digest();
  }

  matches(candidate: string | undefined): boolean {
    const digest = createHash('sha256').update(candidate ?? '', 'utf8').digest();
    return timingSafeEqual(digest, this.digest) && candidate !== undefined;
  }

  /** `Authorization: Bearer K` or `x-api-key: K`. */
  check(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth && /^bearer\s+/i.test(auth) && this.matches(auth.replace(/^bearer\s+/i, '').trim())) return true;
    const header = req.headers['x-api-key'];
    return typeof header === 'string' && this.matches(header.trim());
  }
}
