/**
 * `dqc check`'s OpenTelemetry trace. On only when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT or `tracing.endpoint`);
 * otherwise nothing of OpenTelemetry is loaded and every hook is a no-op (NO_TRACING).
 * Export problems are warnings: a trace never changes a run's exit code.
 */
import { readFileSync } from 'node:fs';
import type { SuiteConfig } from '../config/types.js';
import type { ExitCode } from '../errors.js';
import type { RunObserver, SuiteResult } from '../run.js';
import { NO_SPAN, type StageSpan } from '../tracing/stage.js';

export interface RunTracing {
  /** The hooks for runSuite, calling `also` (say, a progress bar) too. */
  observe(also?: RunObserver): RunObserver | undefined;
  /** The run's span, parent of the delivery stages. */
  root: StageSpan;
  /** Runs a delivery in a child span of the run; `deliver` resolves to true when it failed. */
  stage(name: string, deliver: () => Promise<boolean>): Promise<boolean>;
  /** Ends the trace with the exit code and exports it (bounded by the export timeout). Never throws. */
  finish(code: ExitCode, detail?: { result?: SuiteResult; error?: unknown }): Promise<void>;
}

export const NO_TRACING: RunTracing = {
  observe: (also) => also,
  root: NO_SPAN,
  stage: (_name, deliver) => deliver(),
  finish: async () => {},
};

const MEANING: Record<number, string> = {
  0: 'passed',
  1: 'a check failed',
  2: 'usage or config error',
  3: 'data could not be read or measured',
  4: 'metrics or notifications not delivered',
  5: 'internal error',
};

export async function prepareTracing(config: SuiteConfig, flags: { debug?: boolean }): Promise<RunTracing> {
  const { tracingSettings } = await import('../tracing/settings.js');
  const { settings, warning } = tracingSettings(config.tracing, process.env);
  if (warning) process.stderr.write(`dqc: warning: ${warning}\n`);
  if (!settings) return NO_TRACING;
  const log = flags.debug ? (line: string) => process.stderr.write(`dqc: debug: ${line}\n`) : undefined;
  let run: import('../tracing/otel.js').OtelRun;
  try {
    const { startOtel } = await import('../tracing/otel.js');
    run = await startOtel(settings, { version: version(), env: process.env, attributes: { 'dqc.command': 'check', 'dqc.config': config.file }, log });
  } catch (err) {
    process.stderr.write(`dqc: warning: tracing could not start (${(err as Error).message}); no trace is sent\n`);
    return NO_TRACING;
  }
  return {
    observe: (also) => (also ? both(run.observer, also) : run.observer),
    root: run.root,
    stage: (name, deliver) =>
      run.root.stage(name, {}, async (span) => {
        const failed = await deliver();
        if (failed) span.fail(`${name}: not delivered`);
        return failed;
      }),
    async finish(code, detail = {}) {
      const r = detail.result;
      const checks = r?.datasets.flatMap((d) => d.checks) ?? [];
      const warnings = await run.finish({
        exitCode: code,
        meaning: MEANING[code] ?? 'unknown',
        error: detail.error,
        attributes: {
          'dqc.passed': r?.passed,
          'dqc.datasets': r?.datasets.length,
          'dqc.checks': r ? checks.length : undefined,
          'dqc.checks_failed': r ? checks.filter((c) => c.outcome === 'failed').length : undefined,
          'dqc.checks_warned': r ? checks.filter((c) => c.outcome === 'warned').length : undefined,
        },
      });
      for (const w of warnings) process.stderr.write(`dqc: warning: ${w}\n`);
    },
  };
}

/** Both observers, each hook in turn. */
function both(a: RunObserver, b: RunObserver): RunObserver {
  const hooks = ['datasetStart', 'scanStart', 'batch', 'scanEnd', 'check', 'datasetEnd'] as const;
  const out: Record<string, (...args: never[]) => void> = {};
  for (const h of hooks) {
    const fa = a[h] as ((...args: unknown[]) => void) | undefined;
    const fb = b[h] as ((...args: unknown[]) => void) | undefined;
    if (fa || fb) {
      out[h] = (...args: unknown[]) => {
        fa?.(...args);
        fb?.(...args);
      };
    }
  }
  return out as RunObserver;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
