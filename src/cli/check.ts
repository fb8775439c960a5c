import { writeFileSync } from 'node:fs';
import { UsageError, type ExitCode } from '../errors.js';
import { checkMetricsFlags, prepareMetrics, type MetricsFlags } from './metrics.js';
import { fail } from './output.js';

export interface CheckFlags extends MetricsFlags {
  config: string;
  dataset?: string[];
  format: 'text' | 'json';
  output?: string;
  now?: string;
  failOn: 'error' | 'warn';
  quiet?: boolean;
  color: boolean;
  debug?: boolean;
}

/** `dqc check`: load config, run, render, return the exit code. */
export async function checkCommand(data: string | undefined, flags: CheckFlags): Promise<ExitCode> {
  const [{ loadConfig }, { runSuite, exitCodeOf }, { renderText }, { renderJson }] = await Promise.all([
    import('../config/load.js'),
    import('../run.js'),
    import('../report/text.js'),
    import('../report/json.js'),
  ]);
  try {
    const now = parseNow(flags.now);
    checkMetricsFlags(flags);
    const config = loadConfig(flags.config);
    const metrics = await prepareMetrics(config, flags);
    const result = await runSuite(config, {
      now,
      datasets: flags.dataset,
      dataPath: data === undefined ? undefined : data === '-' ? '-' : data,
    });
    const toFile = flags.output !== undefined;
    const report =
      flags.format === 'json'
        ? renderJson(result)
        : renderText(result, { colorLevel: colorLevel(flags.color, toFile), quiet: flags.quiet });
    if (toFile) writeFileSync(flags.output!, report);
    else process.stdout.write(report);
    if (flags.format !== 'text' || toFile) {
      for (const d of result.datasets) if (d.error) process.stderr.write(`dqc: error: ${d.name}: ${d.error.message}\n`);
    }
    const failOnWarn = flags.failOn === 'warn';
    const deliveryFailed = (await metrics?.deliver(result, { failOnWarn })) ?? false;
    return exitCodeOf(result, { failOnWarn, deliveryFailed });
  } catch (err) {
    return fail(err, flags.debug ?? false);
  }
}

function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--now ${JSON.stringify(text)} is not an ISO 8601 time`, 'write it like 2026-11-27T12:00:00Z');
  return t;
}

/** Color only on a terminal, never in files, and never with NO_COLOR or --no-color. */
function colorLevel(flag: boolean, toFile: boolean): 0 | 1 | 2 | 3 {
  if (!flag || toFile || (process.env.NO_COLOR ?? '') !== '') return 0;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return 1;
  if (!process.stdout.isTTY) return 0;
  const depth = process.stdout.getColorDepth?.() ?? 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : 1;
}

