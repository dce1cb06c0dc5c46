import { redactKnown } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /**
   * Registers a secret known by value; it is scrubbed from every later line. `until` (epoch ms):
   * a short-lived secret (a Copilot session token) that may be forgotten an hour after it expired,
   * so a relay running for weeks doesn't check every line against every token it ever had.
   */
  addSecret(secret: string | null | undefined, options?: { until?: number }): void;
}

export type LogSink = (line: string, level: LogLevel) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
/** An expired session token is still scrubbed for this long after its expiry. */
const SECRET_GRACE_MS = 60 * 60_000;

/** ` key=value` pairs; string values with spaces, quotes or `=` are JSON-quoted. Built by plain
 * concatenation (one line per proxied request: no entry arrays, no join). */
function formatFields(fields: LogFields | undefined): string {
  let out = '';
  if (!fields) return out;
  // Fields are object literals: no inherited enumerable keys to skip.
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    // Numbers, booleans and null never print spaces, quotes or `=`.
    out += ` ${key}=${formatLogValue(value)}`;
  }
  return out;
}

/**
 * One field value as a log line shows it: strings with whitespace, `"`, `=` or any character that
 * could restyle or reorder a terminal or log viewer are JSON-quoted, with every such character
 * escaped as `\uXXXX` (RT-17: C0/DEL/C1 controls such as U+009B CSI and U+009D OSC, format
 * characters such as the bidi overrides U+202E and isolates U+2066–2069, zero-width and tag
 * characters, line/paragraph separators, lone surrogates).
 */
export function formatLogValue(value: unknown): string {
  return typeof value === 'string' ? (needsQuotes(value) ? quote(value) : value) : String(value);
}

/** What may not stand raw in a log line beyond ASCII: whitespace, controls, format characters, separators, lone surrogates. */
const UNSAFE_BEYOND_ASCII = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\ud800-\udfff]/u;
/** What JSON.stringify leaves raw but a log line must not carry (it already escapes C0 and lone surrogates). */
const ESCAPE_AFTER_JSON = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

function quote(value: string): string {
  return JSON.stringify(value).replace(ESCAPE_AFTER_JSON, (char) => {
    let escaped = '';
    for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}

/**
 * Printable ASCII is scanned by char code (cheaper than a regex call for these short values: model
 * ids and paths, once per proxied request); the first code unit beyond it hands the value to the
 * Unicode-aware regex. Micro-benchmark (4 typical ASCII model ids/paths, 10M calls per round, 5
 * rounds interleaved with the previous version, loaded 2-vCPU box): 45–59 ns per call vs 62–117 ns
 * before RT-17, i.e. no slower; a value holding a C1 control: 0.6–1.1 µs (quoted and escaped).
 */
function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x7f) return UNSAFE_BEYOND_ASCII.test(value) || value.includes('"') || value.includes('=');
    if (c <= 32 || c === 34 || c === 61) return true;
  }
  return false;
}

let stampSecond = Number.NaN;
let stampPrefix = '';

/** ISO timestamp plus a space. The `YYYY-MM-DDTHH:MM:SS.` part is formatted once per second; each
 * line only appends its milliseconds (the per-request log line must stay cheap). */
function timestamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== stampSecond) {
    const iso = new Date(second * 1000).toISOString();
    // Years beyond 9999 change the ISO shape: format those lines in full.
    if (iso.length !== 24) return `${new Date(now).toISOString()} `;
    stampSecond = second;
    stampPrefix = iso.slice(0, 20);
  }
  const ms = now - second * 1000;
  return `${stampPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z `;
}

/**
 * A line logger whose every line passes through redaction: callers can't leak a token even by
 * mistake (an upstream error message that echoes a header, an exception text, …).
 */
export function createLogger(options: { sink?: LogSink; level?: LogLevel; timestamps?: boolean } = {}): Logger {
  // Logs go to stderr: stdout carries the CLI's machine-readable output (`Listening on …`, `--json`).
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const min = ORDER[options.level ?? 'info'];
  // Secret → time after which it may be forgotten (Infinity: never).
  const secrets = new Map<string, number>();
  const timestamps = options.timestamps !== false;
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    // Only the message and fields can carry a secret: the time and level are ours (and the ISO
    // time's `Z` would send every line down the redactor's slower path).
    const text = redactKnown(`${message}${formatFields(fields)}`, secrets.keys());
    sink(`${timestamps ? timestamp() : ''}${LABEL[level]} ${text}`, level);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    addSecret: (secret, options) => {
      if (!secret) return;
      const forgetAfter = options?.until === undefined ? Infinity : options.until + SECRET_GRACE_MS;
      secrets.set(secret, Math.max(secrets.get(secret) ?? -Infinity, forgetAfter));
      if (secrets.size > 8) {
        const now = Date.now();
        for (const [known, after] of secrets) if (after < now) secrets.delete(known);
      }
    },
  };
}

/** A logger that keeps lines in memory: for tests that scan output for leaked tokens. */
export function createMemoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, timestamps: false, sink: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {}, addSecret() {},
};
