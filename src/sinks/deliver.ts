/**
 * Delivering a run's metrics: Pushgateway groups, a textfile-collector file, or (dry run)
 * the text that would have been delivered. Prints nothing: the CLI reports the outcome.
 *
 * Each dataset is PUT to its own group (job, dataset, grouping labels), replacing it, so
 * series of removed checks disappear. The last-success time lives in a second group
 * (…/dqc_group/last_success) that only a successful run PUTs: a failed run cannot erase it.
 */
import type { PrometheusConfig } from '../config/types.js';
import type { SuiteResult } from '../run.js';
import { datasetSamples, expositionOf, LAST_SUCCESS, registryOf, type SampleOptions } from './metrics.js';
import { describeGroup, groupLabels, groupUrl, pushGroup, pushTargetOf, type PushTarget } from './pushgateway.js';
import { redactUrl } from './redact.js';
import { readLastSuccess, writeAtomic } from './textfile.js';

export interface DeliveryOptions {
  prometheus?: PrometheusConfig;
  /** --pushgateway: overrides the config's URL. */
  pushgateway?: string;
  /** false with --no-push: ignore the configured gateway. */
  push?: boolean;
  /** --metrics-file */
  metricsFile?: string;
  /** --dry-run / --print-metrics: deliver nothing, return the text instead. */
  dryRun?: boolean;
}

export interface DeliveryPlan {
  target?: PushTarget;
  metricsFile?: string;
  dryRun: boolean;
}

export interface Delivery {
  /** A destination did not get the metrics. */
  failed: boolean;
  /** One line per problem, secrets removed. */
  problems: string[];
  /** Dry run: the exposition text that would have been delivered. */
  printed?: string;
}

/** Resolves destinations before the run, so a bad --pushgateway fails fast (UsageError). */
export function planDelivery(opts: DeliveryOptions): DeliveryPlan {
  const target = opts.push === false && opts.pushgateway === undefined ? undefined : pushTargetOf(opts.prometheus, opts.pushgateway);
  return { target, metricsFile: opts.metricsFile, dryRun: opts.dryRun ?? false };
}

export async function deliverMetrics(
  result: SuiteResult,
  plan: DeliveryPlan,
  opts: SampleOptions & { log?: (line: string) => void },
): Promise<Delivery> {
  const delivery: Delivery = { failed: false, problems: [] };
  if (plan.dryRun) {
    delivery.printed = await dryRunText(result, plan, opts);
    return delivery;
  }
  if (plan.target) await pushAll(result, plan.target, opts, delivery);
  if (plan.metricsFile !== undefined) {
    try {
      const text = await expositionOf(result.datasets, { ...opts, lastSuccess: readLastSuccess(plan.metricsFile) });
      writeAtomic(plan.metricsFile, text);
      opts.log?.(`wrote ${plan.metricsFile}`);
    } catch (err) {
      delivery.failed = true;
      // "ENOENT: no such file or directory, open '<temp file>'" → up to the comma.
      const why = (err as Error).message.split(', ')[0];
      delivery.problems.push(`cannot write metrics file ${plan.metricsFile}: ${why}`);
    }
  }
  return delivery;
}

/** The groups of one dataset: its run group, and the last-success group when it succeeded. */
function groupsOf(result: SuiteResult, target: PushTarget, opts: SampleOptions) {
  return result.datasets.flatMap((d) => {
    const samples = datasetSamples(d, opts);
    const run = samples.filter((s) => s.name !== LAST_SUCCESS);
    const success = samples.filter((s) => s.name === LAST_SUCCESS);
    return [
      { labels: groupLabels(target, d.name, false), samples: run },
      ...(success.length > 0 ? [{ labels: groupLabels(target, d.name, true), samples: success }] : []),
    ];
  });
}

async function pushAll(result: SuiteResult, target: PushTarget, opts: SampleOptions & { log?: (line: string) => void }, delivery: Delivery): Promise<void> {
  const groups = groupsOf(result, target, opts);
  for (let i = 0; i < groups.length; i++) {
    const { labels, samples } = groups[i];
    const registry = registryOf(samples);
    const r = await pushGroup(target, labels, await registry.metrics(), registry.contentType, opts.log);
    if (r.ok) continue;
    delivery.failed = true;
    delivery.problems.push(`metrics not pushed to ${target.display} (group ${describeGroup(labels)}): ${r.reason}`);
    if (r.retryable && i + 1 < groups.length) {
      // The gateway is down or broken: do not wait through the same failure for every group.
      const left = groups.length - i - 1;
      delivery.problems.push(`${left} more group${left === 1 ? '' : 's'} not pushed to ${target.display} after that failure`);
      return;
    }
  }
}

async function dryRunText(result: SuiteResult, plan: DeliveryPlan, opts: SampleOptions): Promise<string> {
  const parts: string[] = [];
  if (plan.target) {
    for (const { labels, samples } of groupsOf(result, plan.target, opts)) {
      parts.push(`# PUT ${redactUrl(groupUrl(plan.target, labels))} (dry run)\n` + (await registryOf(samples).metrics()));
    }
  }
  if (plan.metricsFile !== undefined) {
    const text = await expositionOf(result.datasets, { ...opts, lastSuccess: readLastSuccess(plan.metricsFile) });
    parts.push(`# ${plan.metricsFile} (dry run)\n` + text);
  }
  if (parts.length === 0) parts.push(await expositionOf(result.datasets, opts));
  return parts.join('\n');
}
