/**
 * Scenarios that fail against today's relay, with the defect that fails them (evidence in
 * test-results/clients/<agent>/<scenario>.md). Each such test still runs, and is expected to fail;
 * when a fix lands it fails as "expected to fail, but passed": delete its line in the same change.
 * All are issue #15 items (1 matrix, 2 fidelity, 5 Codex).
 */
// Issue #15's items 1, 2 and 5 (the translation matrix, fidelity, Codex) fixed all of them.
const KNOWN: Record<string, string> = {};

export function knownDefect(agent: string, scenario: string): string | undefined {
  return KNOWN[`${agent}/${scenario}`];
}
