/** Prometheus durations ("1h30m", "7d") ↔ seconds. */
import { PROM_DURATION } from '../config/schema.js';

const UNIT_SECONDS: Record<string, number> = { y: 365 * 86400, w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds in a Prometheus duration; undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  if (text === '' || !PROM_DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  return total;
}

/** The shortest Prometheus duration for whole seconds: 21600 → "6h", 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = Math.round(seconds * 1000);
  let out = '';
  for (const [unit, s] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1], ['ms', 0.001]] as const) {
    const ms = s * 1000;
    const n = Math.floor(rest / ms);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * ms;
    }
  }
  return out;
}
