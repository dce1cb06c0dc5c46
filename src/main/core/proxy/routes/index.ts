import { anthropicRoutes } from './messages.js';
import type { Route } from '../route.js';
import { modelRoutes } from './models.js';
import { openaiRoutes } from './openai.js';

/** The full route table: the model list, OpenAI-dialect routes and the Anthropic ones. */
export function allRoutes(): Route[] {
  return [...modelRoutes, ...openaiRoutes, ...anthropicRoutes];
}
