/** Small scratch datasets whose checks pass or fail depending on --now. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratch } from '../helpers.ts';

/** Four rows, one null amount (25%), newest record 2020-01-01T03:00:00Z. */
export const ORDERS_CSV = `id,amount,created_at
1,10.5,2020-01-01T00:00:00Z
2,,2020-01-01T01:00:00Z
3,12.0,2020-01-01T02:00:00Z
4,13.0,2020-01-01T03:00:00Z
`;
export const NEWEST = Date.parse('2020-01-01T03:00:00Z') / 1000;
/** Freshness (max 6 h) passes at this time... */
export const NOW_FRESH = '2020-01-01T04:00:00Z';
/** ...and fails at this one. */
export const NOW_STALE = '2020-01-02T00:00:00Z';

export interface ScratchConfig {
  dir: string;
  config: string;
  /** Rewrites the config in place. */
  write(yaml: string): void;
}

/** A folder with orders.csv and a quality.yaml made of `prometheus` (YAML text, may be '') and the datasets. */
export function ordersConfig(prometheus = '', datasets = ORDERS_DATASET): ScratchConfig {
  const dir = scratch({ 'orders.csv': ORDERS_CSV });
  const config = path.join(dir, 'quality.yaml');
  const write = (yaml: string) => writeFileSync(config, yaml);
  write(`${prometheus}\n${datasets}`);
  return { dir, config, write };
}

export const ORDERS_DATASET = `datasets:
  - name: orders
    source: orders.csv
    checks:
      completeness: {amount: 0.5, id: 0}
      uniqueness: {key_columns: [id]}
      freshness: {timestamp_column: created_at, max_age_hours: 6}
`;
