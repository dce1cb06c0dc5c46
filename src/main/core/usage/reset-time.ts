/**
 * Reset times in the words the refusal messages, the CLI and the tray use: "Tue 14:00 (in 2 d 3 h)".
 * Fixed English and 24-hour local time: these strings go to API callers and logs, not through a
 * locale-aware UI (the window formats its own).
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:00" today, "Tue 14:00" within a week, else "1 Dec 14:00". */
export function resetClock(at: number, now: number): string {
  const date = new Date(at);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const today = new Date(now);
  const sameDay = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  if (sameDay) return time;
  if (at - now < 6 * 86_400_000) return `${DAYS[date.getDay()]} ${time}`;
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${time}`;
}

/** "in 2 d 3 h", "in 3 h 20 min", "in 45 min", "in 30 s", "now". */
export function resetIn(at: number, now: number): string {
  const seconds = Math.ceil((at - now) / 1000);
  if (seconds <= 0) return 'now';
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `in ${hours} h` : `in ${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `in ${days} d` : `in ${days} d ${hours % 24} h`;
}

/** "it resets Tue 14:00 (in 2 d 3 h)", or "" when the reset is unknown. */
export function resetPhrase(at: number | null, now: number): string {
  return at === null ? '' : `it resets ${resetClock(at, now)} (${resetIn(at, now)})`;
}

/**
 * `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3) → epoch ms, or null when absent
 * or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return now + Math.round(Number(raw) * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : date;
}

/** A reset field as Copilot writes it: an ISO date, epoch seconds or epoch ms (UNCERTAIN) → epoch ms. */
export function parseResetValue(value: string | null | undefined): number | null {
  const raw = value?.trim();
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    if (n > 1e12) return Math.round(n);
    if (n > 1e9) return Math.round(n * 1000);
    return null;
  }
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : date;
}
