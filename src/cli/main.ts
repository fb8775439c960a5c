/**
 * The command line: parses argv, calls the core, renders, and is the only place that exits.
 * Heavy modules are imported inside the commands so `dqc --version` starts fast.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DqcError, EXIT } from '../errors.js';
import { checkCommand, type CheckFlags } from './check.js';
import { dashboardCommand, type DashboardFlags } from './dashboard.js';
import { initCommand, type InitFlags } from './init.js';
import { REPORT_FORMATS } from './reports.js';
import { rulesCommand, type RulesFlags } from './rules.js';
import { fail, finish } from './output.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function buildProgram(): Command {
  const program = new Command('dqc')
    .description('Data quality checks for CSV and Parquet: completeness, uniqueness, drift, freshness.')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      `
Examples:
  dqc init data/transactions.csv                    # write a starter quality.yaml from the data
  dqc check --config quality.yaml                   # run the checks; exit 0 passed, 1 failed
  dqc check -c quality.yaml --report junit=out/junit.xml --report html=out/report.html
  dqc check -c quality.yaml --format github         # in GitHub Actions
  dqc rules -c quality.yaml -o dqc-rules.yml        # Prometheus alerting rules
  dqc help check                                    # every option of a command`,
    );

  program
    .command('check')
    .description('Run the checks of a config and exit 0 (all passed) or non-zero (see Exit codes).')
    .argument('[data]', "data to check instead of the dataset's source (file, glob, folder or - for stdin)")
    .option('-c, --config <file>', 'YAML config', 'quality.yaml')
    .option('-d, --dataset <name...>', 'only these datasets (repeatable)')
    .addOption(new Option('-f, --format <format>', 'report format on stdout (or --output)').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-r, --report <format=path>', 'also write a report to a file, e.g. junit=out/junit.xml (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--now <iso8601>', 'the time freshness is measured against (default: the clock)')
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the run').choices(['error', 'warn']).default('error'))
    .addOption(new Option('-q, --quiet', 'print only checks that did not pass, and no progress bar').conflicts('verbose'))
    .option('-v, --verbose', 'print the time of each stage (scans, checks) on stderr')
    .option('--no-progress', 'no progress bar on stderr (it is only drawn on a terminal)')
    .option('--workers <n>', 'threads that read large files in parts (default: the CPUs, at most 4, or $DQC_WORKERS; 1: no workers)')
    .option('--no-color', 'no color codes in the report')
    .option('--pushgateway <url>', 'push metrics to this Prometheus Pushgateway (overrides prometheus.pushgateway)')
    .option('--no-push', 'do not push to the configured Pushgateway')
    .option('--push-optional', 'metrics not delivered (push or --metrics-file) is a warning, not exit code 4')
    .option('--metrics-file <path>', 'write metrics for the node_exporter textfile collector (atomically)')
    .option('--print-metrics', 'print the metrics on stdout instead of delivering them')
    .option('--dry-run', 'print the metrics and notifications instead of delivering them')
    .option('--no-notify', 'send no notifications (the notify: section is not read)')
    .option('--notify-optional', 'notifications not sent is a warning, not exit code 4')
    .option('--print-notifications', 'print the notifications on stdout instead of sending them')
    .option('--debug', 'print stack traces of errors, and each push and notification')
    .addHelpText(
      'after',
      `
Examples:
  dqc check --config quality.yaml
  dqc check -c quality.yaml --format json --output report.json
  dqc check -c quality.yaml --format junit > junit.xml
  dqc check -c quality.yaml --report junit=out/junit.xml --report html=out/report.html
  dqc check -c quality.yaml --format github      # annotations + $GITHUB_STEP_SUMMARY
  dqc check -c quality.yaml --quiet --format markdown
  dqc check -c quality.yaml --dataset transactions exports/2026-11-27.csv
  dqc check -c quality.yaml --now 2026-11-27T12:00:00Z
  dqc check -c quality.yaml --pushgateway http://pushgateway:9091
  dqc check -c quality.yaml --metrics-file /var/lib/node_exporter/dqc.prom

Formats: text, json, junit (JUnit XML), github (GitHub Actions annotations),
markdown (a summary table), html (one self-contained file).

Exit codes: 0 passed, 1 a check failed, 2 usage or config error,
3 data unreadable or not measurable, 4 metrics or notifications not delivered,
5 internal error. A trace of the run goes to OTEL_EXPORTER_OTLP_ENDPOINT when set.`,
    )
    .action(async (data: string | undefined, flags: CheckFlags) => {
      process.exitCode = await checkCommand(data, flags);
    });

  program
    .command('init')
    .description('Read data and write a starter config with thresholds taken from it.')
    .argument('<data>', 'the data to read: a file, glob or folder')
    .option('-o, --output <file>', 'where to write the config (- for stdout)', 'quality.yaml')
    .option('--force', 'overwrite the output file if it exists')
    .option('--reference <path>', 'reference data for drift checks (default: the data itself, as a baseline)')
    .option('--name <dataset>', 'dataset name (default: from the file name)')
    .option('--now <iso8601>', 'the time the data\'s age is measured at (default: the clock)')
    .option('--debug', 'print stack traces of errors')
    .addHelpText(
      'after',
      `
Examples:
  dqc init exports/transactions.csv                       # writes quality.yaml
  dqc init exports/2026-11-27.parquet -o checks/quality.yaml --reference baseline.parquet
  dqc init "exports/*.csv" --name transactions --force

Completeness allows the observed null rate plus headroom, uniqueness checks a column
that looks like a key, freshness the timestamp column, drift the numeric columns.
The written file passes "dqc check" on the same data; comments in it explain each choice.`,
    )
    .action(async (data: string, flags: InitFlags) => {
      process.exitCode = await initCommand(data, flags);
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
