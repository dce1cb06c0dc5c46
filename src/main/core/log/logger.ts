import { redactKnown } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Registers a secret known by value; it is scrubbed from every later line. */
  addSecret(secret: string | null | undefined): void;
}

export type LogSink = (line: string, level: LogLevel) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
const NEEDS_QUOTES = /[\s"=]/;

/** ` key=value` pairs; string values with spaces, quotes or `=` are JSON-quoted. Built by plain
 * concatenation (one line per proxied request: no entry arrays, no join). */
function formatFields(fields: LogFields | undefined): string {
  let out = '';
  if (!fields) return out;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (value === undefined) continue;
    // Numbers, booleans and null never print spaces, quotes or `=`.
    const text = typeof value === 'string' ? (NEEDS_QUOTES.test(value) ? JSON.stringify(value) : value) : String(value);
    out += ` ${key}=${text}`;
  }
  return out;
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
  const secrets = new Set<string>();
  const timestamps = options.timestamps !== false;
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const stamp = timestamps ? timestamp() : '';
    sink(redactKnown(`${stamp}${LABEL[level]} ${message}${formatFields(fields)}`, secrets), level);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    addSecret: (secret) => {
      if (secret) secrets.add(secret);
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
