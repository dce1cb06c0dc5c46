import type { Route } from '../proxy/route.js';

// Placeholder: the Anthropic engineer replaces this with the /v1/messages routes.
export const anthropicRoutes: Route[] = [];
