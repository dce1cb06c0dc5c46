import { anthropicRoutes } from '../../anthropic/routes.js';
import type { Route } from '../route.js';
import { openaiRoutes } from './openai.js';

/** The full route table: OpenAI-dialect routes plus the Anthropic ones. */
export function allRoutes(): Route[] {
  return [...openaiRoutes, ...anthropicRoutes];
}
