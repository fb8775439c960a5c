/**
 * `dqc check`'s metrics flags: --pushgateway, --no-push, --push-optional, --metrics-file,
 * --print-metrics / --dry-run. The sinks (and prom-client) load only when metrics are wanted.
 */
import type { SuiteConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { SuiteResult } from '../run.js';

export interface MetricsFlags {
  pushgateway?: string;
  /** false with --no-push */
  push?: boolean;
  pushOptional?: boolean;
  metricsFile?: string;
  printMetrics?: boolean;
  dryRun?: boolean;
  debug?: boolean;
  format: 'text' | 'json';
  output?: string;
}

export interface MetricsDelivery {
  /** Delivers (or prints) the metrics, reports problems on stderr; true when delivery failed and counts. */
  deliver(result: SuiteResult, opts: { failOnWarn: boolean }): Promise<boolean>;
}

/** Flag combinations that cannot work, before anything runs. */
export function checkMetricsFlags(flags: MetricsFlags): void {
  if ((flags.printMetrics || flags.dryRun) && flags.format === 'json' && flags.output === undefined) {
    throw new UsageError(
      `${flags.printMetrics ? '--print-metrics' : '--dry-run'} prints metrics on stdout, where --format json prints its one JSON document`,
      'write the report elsewhere with --output FILE, or the metrics with --metrics-file PATH',
    );
  }
}

/** Undefined when this run publishes no metrics. Throws UsageError for a bad --pushgateway. */
export async function prepareMetrics(config: SuiteConfig, flags: MetricsFlags): Promise<MetricsDelivery | undefined> {
  const dryRun = Boolean(flags.printMetrics || flags.dryRun);
  const pushing = flags.pushgateway !== undefined || (flags.push !== false && config.prometheus?.pushgateway !== undefined);
  if (!dryRun && !pushing && flags.metricsFile === undefined) return undefined;
  const { planDelivery, deliverMetrics } = await import('../sinks/deliver.js');
  const plan = planDelivery({
    prometheus: config.prometheus,
    pushgateway: flags.pushgateway,
    push: flags.push,
    metricsFile: flags.metricsFile,
    dryRun,
  });
  const debug = flags.debug ? (line: string) => process.stderr.write(`dqc: debug: ${line}\n`) : undefined;
  return {
    async deliver(result, { failOnWarn }) {
      const d = await deliverMetrics(result, plan, { finishedAt: Date.now() / 1000, failOnWarn, log: debug });
      if (d.printed !== undefined) process.stdout.write((flags.output === undefined ? '\n' : '') + d.printed);
      const level = flags.pushOptional ? 'warning' : 'error';
      for (const p of d.problems) process.stderr.write(`dqc: ${level}: ${p}\n`);
      if (d.failed && !flags.pushOptional) {
        process.stderr.write('  hint: the checks ran and the report is complete; only the metrics were not delivered (--push-optional makes this a warning)\n');
      }
      return d.failed && !flags.pushOptional;
    },
  };
}
