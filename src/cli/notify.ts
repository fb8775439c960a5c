/**
 * `dqc check`'s notification flags: --no-notify, --notify-optional, --print-notifications
 * (and --dry-run). The notify modules load only when the config has a `notify:` section.
 */
import os from 'node:os';
import type { LoadOptions } from '../config/load.js';
import type { SuiteConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { SuiteResult } from '../run.js';
import type { StageSpan } from '../tracing/stage.js';

export interface NotifyFlags {
  /** false with --no-notify */
  notify?: boolean;
  notifyOptional?: boolean;
  printNotifications?: boolean;
  dryRun?: boolean;
  debug?: boolean;
  format: 'text' | 'json';
  output?: string;
}

export interface Notifier {
  /** Sends (or prints) the run's notifications, reports problems on stderr; true when sending failed and counts. */
  send(result: SuiteResult, span: StageSpan): Promise<boolean>;
}

/** Config sections not to read: with --no-notify the `notify:` section (and its ${VAR}s) is skipped. */
export function notifyLoadOptions(flags: Pick<NotifyFlags, 'notify'>): Pick<LoadOptions, 'without'> {
  return flags.notify === false ? { without: ['notify'] } : {};
}

/** Flag combinations that cannot work, before anything runs. */
export function checkNotifyFlags(flags: NotifyFlags): void {
  if (flags.printNotifications && flags.format === 'json' && flags.output === undefined) {
    throw new UsageError(
      '--print-notifications prints the messages on stdout, where --format json prints its one JSON document',
      'write the report elsewhere with --output FILE',
    );
  }
}

/** Undefined when this run sends no notifications (no `notify:` section, or --no-notify). */
export async function prepareNotify(config: SuiteConfig, flags: NotifyFlags): Promise<Notifier | undefined> {
  if (!config.notify || flags.notify === false) return undefined;
  const { sendNotifications } = await import('../notify/send.js');
  const dryRun = Boolean(flags.printNotifications || flags.dryRun);
  const debug = flags.debug ? (line: string) => process.stderr.write(`dqc: debug: ${line}\n`) : undefined;
  return {
    async send(result, span) {
      const outcome = await span.stage('notify', { 'dqc.notify.channels': config.notify!.channels.length, 'dqc.notify.dry_run': dryRun }, async (s) => {
        const o = await sendNotifications(result, config, { finishedAt: Date.now(), host: os.hostname(), configName: config.file, dryRun, log: debug, span: s });
        s.set({ 'dqc.notify.sent': o.sent });
        if (o.failed) s.fail(`${o.problems.length} notification problem${o.problems.length === 1 ? '' : 's'}`);
        return o;
      });
      if (outcome.printed) process.stdout.write((flags.output === undefined ? '\n' : '') + outcome.printed);
      for (const w of outcome.warnings) process.stderr.write(`dqc: warning: ${w}\n`);
      const level = flags.notifyOptional ? 'warning' : 'error';
      for (const p of outcome.problems) process.stderr.write(`dqc: ${level}: ${p}\n`);
      if (outcome.failed && !flags.notifyOptional) {
        process.stderr.write('  hint: the checks ran and the report is complete; only notifications were not sent (--notify-optional makes this a warning)\n');
      }
      return outcome.failed && !flags.notifyOptional;
    },
  };
}
