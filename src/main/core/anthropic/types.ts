/** The Anthropic request types live with the Messages adapter now; re-exported for count-tokens.ts. */
export type * from '../api/messages/types.js';
