import type { CheckConfig } from '../config/types.js';
import { completeness } from './completeness.js';
import type { CheckDefinition } from './definition.js';
import { drift } from './drift.js';
import { freshness } from './freshness.js';
import { uniqueness } from './uniqueness.js';

const definitions = { completeness, uniqueness, drift, freshness } as const;

/** The definition for a configured check. */
export function definitionOf<C extends CheckConfig>(config: C): CheckDefinition<C> {
  return definitions[config.type] as unknown as CheckDefinition<C>;
}
