/**
 * JSON Schemas of the usage data that crosses the message contract (src/shared/usage.ts): the
 * status's usage fields, the Activity view's snapshot and rows, the budget. Closed objects with
 * bounded strings: nothing else (no prompt, no token) can ride along.
 */
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const closed = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const label = { type: 'string', maxLength: 256 };
const iso = { type: 'string', maxLength: 64 };
const count = { type: 'number', minimum: 0 };
const num = { type: 'number' };
const unit = { enum: ['credits', 'requests'] };
const period = { enum: ['day', 'month'] };

export const RATE_LIMIT_VIEW = closed({ name: label, label, usedPercent: nullable(num), resetsAt: nullable(iso), reached: { type: 'boolean' } });

export const BUDGET_VIEW = closed({ period, limitCredits: { type: 'number', exclusiveMinimum: 0 }, usedCredits: count, resetsAt: iso });

export const USAGE_STATUS = closed({
  billingUnit: { anyOf: [unit, { type: 'null' }] },
  credits: nullable(closed({ usedLocally: count, usedOnGitHub: nullable(num), entitlement: nullable(num), periodStart: iso, resetsAt: nullable(iso) })),
  rateLimits: { type: 'array', maxItems: 64, items: RATE_LIMIT_VIEW },
  rateLimited: nullable(closed({ ...RATE_LIMIT_VIEW.properties, line: label })),
  budget: nullable(BUDGET_VIEW),
});

export const ACTIVITY_ROW = closed({
  at: num,
  client: label,
  model: nullable(label),
  path: label,
  status: { type: 'integer', minimum: 0, maximum: 999 },
  errorCode: nullable(label),
  latencyMs: count,
  credits: nullable(num),
  premiumRequests: nullable(num),
  stream: { type: 'boolean' },
});

const GROUP = closed({ key: label, requests: count, credits: num, premiumRequests: num });
const TOTALS = { requests: count, credits: num, premiumRequests: num, errors: count };
const RANGE = { enum: ['today', 'week', 'month'] };

export const ACTIVITY_SNAPSHOT = closed({
  range: RANGE,
  billingUnit: unit,
  today: closed(TOTALS),
  selected: closed({ ...TOTALS, since: num }),
  byModel: { type: 'array', maxItems: 8, items: GROUP },
  byClient: { type: 'array', maxItems: 8, items: GROUP },
  recent: { type: 'array', maxItems: 50, items: ACTIVITY_ROW },
  rateLimits: { type: 'array', maxItems: 64, items: RATE_LIMIT_VIEW },
  budget: nullable(BUDGET_VIEW),
  proxyUrl: nullable(label),
  ledgerAvailable: { type: 'boolean' },
});

export const ACTIVITY_PARAMS = closed({ range: RANGE });

/** The window's budget: a positive number of AI credits per day or month, or null for none (the settings' bounds). */
export const BUDGET_PARAMS = closed({ limitCredits: nullable({ type: 'number', exclusiveMinimum: 0, maximum: 10_000_000 }), period });

export const BUDGET_SAVED = closed({ overriddenBy: nullable(label) });

/** The 80 % notice as the desktop shows it. */
export const BUDGET_NOTICE = closed({ title: label, body: { type: 'string', maxLength: 1024 } });
