/**
 * Which tool the fake calls, if any. Mode `always` (the default) keeps the old behaviour: the first
 * offered tool (or the forced one) with `{"input": <user text>}`. Mode `when-asked` is for the real
 * coding agents, which offer tools on every turn: the fake calls a tool only when the last user text
 * carries `<<call NAME {json args}>>`, with exactly those arguments, so a test decides what runs.
 */

export type ToolCallMode = 'always' | 'when-asked';

/** The prompt convention `when-asked` recognises; build prompts with {@link toolCallPrompt}. */
const MARKER = /<<call ([\w.:-]+) (\{.*?\})>>/s;

export function toolCallPrompt(name: string, args: Record<string, unknown>): string {
  return `<<call ${name} ${JSON.stringify(args)}>>`;
}

export type ToolPick =
  | { kind: 'call'; name: string; arguments: string }
  /** Asked for a tool the request did not offer, or with arguments that aren't JSON: answered as text
   * that says so, so the test's failure message names the cause. */
  | { kind: 'refused'; text: string }
  | null;

/**
 * `forced` is the tool a `tool_choice` names, `offered` every tool name of the request (in order).
 * Call only on a user turn with tools on offer and tool choice not `none`: callers check that first.
 */
export function pickTool(mode: ToolCallMode, userText: string, offered: readonly string[], forced: string | null): ToolPick {
  if (mode === 'always') {
    const name = forced ?? offered[0] ?? null;
    return name === null ? null : { kind: 'call', name, arguments: JSON.stringify({ input: userText }) };
  }
  const match = MARKER.exec(userText);
  if (!match) return null;
  const [, name, args] = match as unknown as [string, string, string];
  if (!offered.includes(name)) return { kind: 'refused', text: `Fake upstream: tool ${name} was not offered (offered: ${offered.join(', ') || 'none'})` };
  const json = jsonArguments(args);
  if (json === null) return { kind: 'refused', text: `Fake upstream: the arguments asked for ${name} are not JSON: ${args}` };
  return { kind: 'call', name, arguments: json };
}

/** The arguments as JSON text, also when the client quoted the whole prompt as a JSON string
 * (opencode sends `"…{\"filePath\":…}…"`): then the escapes are undone once. */
function jsonArguments(args: string): string | null {
  for (const candidate of [args, unescapeJsonString(args)]) {
    if (candidate === null) continue;
    try {
      JSON.parse(candidate);
      return candidate;
    } catch {
      // try the next reading
    }
  }
  return null;
}

function unescapeJsonString(text: string): string | null {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return null;
  }
}

/** Names of the tools of a request, whatever the API's tool shape (`{name}` or `{function: {name}}`). */
export function toolNames(tools: readonly unknown[]): string[] {
  return tools.flatMap((tool) => {
    const t = (tool && typeof tool === 'object' ? tool : {}) as { name?: unknown; function?: { name?: unknown } };
    const name = t.name ?? t.function?.name;
    return typeof name === 'string' ? [name] : [];
  });
}
