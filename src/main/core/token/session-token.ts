/**
 * The fields of a Copilot session token (`tid=…;exp=…;sku=…;proxy-ep=…:<mac>`). Only what we use
 * is returned; the token itself (which embeds the client IP) never leaves this function.
 */
export interface SessionTokenFields {
  /** Seconds since epoch, or null. */
  exp: number | null;
  sku: string | null;
  /** Bare host, e.g. `proxy.individual.githubcopilot.com`. */
  proxyEp: string | null;
}

/** Split at the first ':', then on ';', then at the first '='. A direct-mode `gho_…` has no fields: all null. */
export function parseSessionToken(token: string): SessionTokenFields {
  const colon = token.indexOf(':');
  const fieldsPart = colon >= 0 ? token.slice(0, colon) : token;
  const fields = new Map<string, string>();
  for (const pair of fieldsPart.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const exp = Number(fields.get('exp'));
  return {
    exp: fields.has('exp') && Number.isFinite(exp) ? exp : null,
    sku: fields.get('sku') || null,
    proxyEp: fields.get('proxy-ep') || null,
  };
}
