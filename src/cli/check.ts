import { UsageError, type ExitCode } from '../errors.js';
import { likelySources, prewarm } from '../parallel/prewarm.js';
import { parallelSettings } from '../parallel/settings.js';
import { checkMetricsFlags, prepareMetrics, type MetricsFlags } from './metrics.js';
import { checkNotifyFlags, notifyLoadOptions, prepareNotify, type NotifyFlags } from './notify.js';
import { fail } from './output.js';
import { Terminal, wantsProgress } from './progress.js';
import { planReports, writeReports, type ReportFlags } from './reports.js';
import { NO_TRACING, prepareTracing } from './tracing.js';

export interface CheckFlags extends Omit<MetricsFlags, 'format'>, Omit<NotifyFlags, 'format'>, ReportFlags {
  config: string;
  dataset?: string[];
  output?: string;
  now?: string;
  failOn: 'error' | 'warn';
  quiet?: boolean;
  color: boolean;
  debug?: boolean;
  /** --verbose: stage timings on stderr. */
  verbose?: boolean;
  /** false with --no-progress. */
  progress?: boolean;
  /** --workers N: worker threads for large scans. */
  workers?: string;
}

/** `dqc check`: load config, run, render, return the exit code. */
export async function checkCommand(data: string | undefined, flags: CheckFlags): Promise<ExitCode> {
  const logParallel = (line: string) => process.stderr.write(`dqc: parallel: ${line}\n`);
  // Large data: the workers start while the modules and the config load.
  let scanner: Awaited<ReturnType<typeof prewarm>>;
  try {
    scanner = await prewarm(parallelSettings(flags.workers, process.env, logParallel), likelySources(flags.config, data));
  } catch {
    // A bad --workers is reported below, with everything else.
  }
  // The workers close however the run ends, a failed import of the modules included.
  try {
    const [{ loadConfig }, { runSuite, exitCodeOf }] = await Promise.all([import('../config/load.js'), import('../run.js')]);
    let tracing = NO_TRACING;
    try {
      const now = parseNow(flags.now);
      const parallel = parallelSettings(flags.workers, process.env, logParallel);
      const reportFiles = planReports(flags);
      const metricsFlags = { ...flags, format: flags.format === 'json' ? ('json' as const) : ('text' as const) };
      checkMetricsFlags(metricsFlags);
      checkNotifyFlags(metricsFlags);
      const config = loadConfig(flags.config, notifyLoadOptions(flags));
      const metrics = await prepareMetrics(config, metricsFlags);
      const notifier = await prepareNotify(config, metricsFlags);
      tracing = await prepareTracing(config, flags);
      const terminal = new Terminal({ progress: wantsProgress(process.stderr, flags), verbose: flags.verbose ?? false });
      const result = await runSuite(config, {
        now,
        datasets: flags.dataset,
        dataPath: data,
        observer: tracing.observe(terminal.observer),
        parallel,
        scanner,
      }).finally(() => terminal.stop());
      const toFile = flags.output !== undefined;
      await writeReports(result, flags, reportFiles, { config, colorLevel: colorLevel(flags.color, toFile), checkSeconds: terminal.checkSeconds });
      if (flags.format !== 'text' || toFile) {
        for (const d of result.datasets) if (d.error) process.stderr.write(`dqc: error: ${d.name}: ${d.error.message}\n`);
      }
      const failOnWarn = flags.failOn === 'warn';
      const pushFailed = metrics ? await tracing.stage('push metrics', () => metrics.deliver(result, { failOnWarn })) : false;
      const notifyFailed = (await notifier?.send(result, tracing.root)) ?? false;
      const code = exitCodeOf(result, { failOnWarn, deliveryFailed: pushFailed || notifyFailed });
      await tracing.finish(code, { result });
      return code;
    } catch (err) {
      const code = fail(err, flags.debug ?? false);
      await tracing.finish(code, { error: err });
      return code;
    }
  } finally {
    await scanner?.close();
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

