import { opencode } from './agents/opencode.js';
import { defineScenarios } from './support/define-suite.js';

defineScenarios(opencode);
