/**
 * The command line: parses argv, calls the core, renders, and is the only place that exits.
 * Heavy modules are imported inside the commands so `dqc --version` starts fast.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DqcError, EXIT } from '../errors.js';
import { checkCommand, type CheckFlags } from './check.js';
import { dashboardCommand, type DashboardFlags } from './dashboard.js';
import { rulesCommand, type RulesFlags } from './rules.js';
import { fail, finish } from './output.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function buildProgram(): Command {
  const program = new Command('dqc')
    .description('Data quality checks for CSV and Parquet: completeness, uniqueness, drift, freshness.')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('check')
    .description('Run the checks of a config and exit 0 (all passed) or non-zero (see Exit codes).')
    .argument('[data]', "data to check instead of the dataset's source (file, glob, folder or - for stdin)")
    .option('-c, --config <file>', 'YAML config', 'quality.yaml')
    .option('-d, --dataset <name...>', 'only these datasets (repeatable)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--now <iso8601>', 'the time freshness is measured against (default: the clock)')
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the run').choices(['error', 'warn']).default('error'))
    .option('-q, --quiet', 'print only checks that did not pass')
    .option('--no-color', 'no color codes in the report')
    .option('--pushgateway <url>', 'push metrics to this Prometheus Pushgateway (overrides prometheus.pushgateway)')
    .option('--no-push', 'do not push to the configured Pushgateway')
    .option('--push-optional', 'metrics not delivered (push or --metrics-file) is a warning, not exit code 4')
    .option('--metrics-file <path>', 'write metrics for the node_exporter textfile collector (atomically)')
    .option('--print-metrics', 'print the metrics on stdout instead of delivering them')
    .option('--dry-run', 'same as --print-metrics')
    .option('--debug', 'print stack traces of errors, and each push')
    .addHelpText(
      'after',
      `
Examples:
  dqc check --config quality.yaml
  dqc check -c quality.yaml --format json --output report.json
  dqc check -c quality.yaml --dataset transactions exports/2026-11-27.csv
  dqc check -c quality.yaml --now 2026-11-27T12:00:00Z
  dqc check -c quality.yaml --pushgateway http://pushgateway:9091
  dqc check -c quality.yaml --metrics-file /var/lib/node_exporter/dqc.prom

Exit codes: 0 passed, 1 a check failed, 2 usage or config error,
3 data unreadable or not measurable, 4 metrics not delivered, 5 internal error.`,
    )
    .action(async (data: string | undefined, flags: CheckFlags) => {
      process.exitCode = await checkCommand(data, flags);
    });

  program
    .command('rules')
    .description("Print Prometheus alerting rules (YAML) for the config's datasets.")
    .option('-c, --config <file>', 'YAML config', 'quality.yaml')
    .option('--success-window <duration>', 'alert when no run succeeded for this long (default: prometheus.alerts.success_window or 24h)')
    .option('-o, --output <file>', 'write the rules to a file instead of stdout')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', '\nExample:\n  dqc rules -c quality.yaml -o /etc/prometheus/rules/dqc.yml && promtool check rules /etc/prometheus/rules/dqc.yml')
    .action(async (flags: RulesFlags) => {
      process.exitCode = await rulesCommand(flags);
    });

  program
    .command('dashboard')
    .description("Print a Grafana dashboard (JSON) for the config's datasets.")
    .option('-c, --config <file>', 'YAML config', 'quality.yaml')
    .option('--title <title>', 'dashboard title', 'Data quality (dqc)')
    .option('--uid <uid>', 'dashboard uid', 'dqc')
    .option('-o, --output <file>', 'write the dashboard to a file instead of stdout')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', '\nExample:\n  dqc dashboard -c quality.yaml -o dqc-dashboard.json   # then import it in Grafana')
    .action(async (flags: DashboardFlags) => {
      process.exitCode = await dashboardCommand(flags);
    });
  return program;
}

async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; a parse error is a usage error.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (err instanceof DqcError) {
      process.exitCode = fail(err, debug);
    } else {
      process.exitCode = fail(err, true);
    }
  }
  await finish();
}

void main(process.argv);
