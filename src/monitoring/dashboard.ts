/**
 * A Grafana dashboard for the metrics of src/sinks/metrics.ts (`dqc dashboard`): the panels
 * of the design document — check pass rate, null ratio by column (time series and heatmap),
 * data age, rows per run, drift statistic and p-value, failed checks — on a `datasource`
 * variable and a `dataset` variable limited to the config's datasets.
 */
import type { SuiteConfig } from '../config/types.js';
import { promString } from './rules.js';

export interface DashboardOptions {
  title?: string;
  uid?: string;
}

type Json = Record<string, unknown>;

const DS = { type: 'prometheus', uid: '${datasource}' };
const SEL = '{dataset=~"$dataset"}';

interface Target {
  expr: string;
  legend?: string;
  instant?: boolean;
  table?: boolean;
}

function targets(list: Target[]): Json[] {
  return list.map((t, i) => ({
    datasource: DS,
    refId: String.fromCharCode(65 + i),
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: !t.instant,
    instant: Boolean(t.instant),
    ...(t.table ? { format: 'table' } : {}),
  }));
}

function panel(type: string, title: string, grid: [number, number, number, number], list: Target[], more: Json = {}): Json {
  const [x, y, w, h] = grid;
  return { type, title, datasource: DS, gridPos: { x, y, w, h }, targets: targets(list), ...more };
}

function fieldConfig(unit: string, extra: Json = {}, custom: Json = {}): Json {
  return { defaults: { unit, ...extra, custom }, overrides: [] };
}

const steps = (...s: [string, number | null][]) => ({ mode: 'absolute', steps: s.map(([color, value]) => ({ color, value })) });

export function buildDashboard(config: SuiteConfig, opts: DashboardOptions = {}): Json {
  const job = promString(config.prometheus?.job ?? 'dqc');
  const names = config.datasets.map((d) => d.name.replace(/[.^$|?*+()[\]{}\\]/g, '\\$&'));
  const stat = (unit: string, thr: Json, extra: Json = {}) => ({
    fieldConfig: fieldConfig(unit, { thresholds: thr, ...extra }),
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'auto' },
  });
  const series = (unit: string, custom: Json = {}, extra: Json = {}) => ({
    fieldConfig: fieldConfig(unit, extra, { drawStyle: 'line', lineInterpolation: 'stepAfter', showPoints: 'auto', ...custom }),
    options: { legend: { displayMode: 'table', placement: 'right', calcs: ['lastNotNull'] }, tooltip: { mode: 'multi', sort: 'none' } },
  });
  const panels: Json[] = [
    panel('stat', 'Check pass rate', [0, 0, 4, 4], [{ expr: `avg(dqc_check_passed${SEL})`, instant: true }], stat('percentunit', steps(['red', null], ['orange', 0.9], ['green', 1]), { min: 0, max: 1 })),
    panel('stat', 'Failed checks', [4, 0, 4, 4], [{ expr: `sum(dqc_checks_failed${SEL}) or vector(0)`, instant: true }], stat('none', steps(['green', null], ['red', 1]))),
    panel('stat', 'Datasets not checked', [8, 0, 4, 4], [{ expr: `count(dqc_dataset_up${SEL} == 0) or vector(0)`, instant: true }], stat('none', steps(['green', null], ['red', 1]))),
    panel('stat', 'Oldest data', [12, 0, 4, 4], [{ expr: `max(time() - dqc_newest_record_timestamp_seconds${SEL})`, instant: true }], stat('s', steps(['green', null], ['orange', 6 * 3600], ['red', 24 * 3600]))),
    panel('stat', 'Since last success', [16, 0, 4, 4], [{ expr: `max(time() - dqc_last_success_timestamp_seconds${SEL})`, instant: true }], stat('s', steps(['green', null], ['orange', 24 * 3600], ['red', 48 * 3600]))),
    panel('stat', 'Failed pushes', [20, 0, 4, 4], [{ expr: `count(push_failure_time_seconds{job=${job}} > push_time_seconds{job=${job}}) or vector(0)`, instant: true }], stat('none', steps(['green', null], ['red', 1]))),

    panel('timeseries', 'Check pass rate by dataset', [0, 4, 12, 8], [{ expr: `avg by (dataset) (dqc_check_passed${SEL})`, legend: '{{dataset}}' }], series('percentunit', {}, { min: 0, max: 1 })),
    panel(
      'table',
      'Failed checks',
      [12, 4, 12, 8],
      [
        { expr: `dqc_check_passed${SEL} == 0`, instant: true, table: true },
        { expr: `dqc_check_value${SEL} and (dqc_check_passed${SEL} == 0)`, instant: true, table: true },
        { expr: `dqc_check_threshold${SEL} and (dqc_check_passed${SEL} == 0)`, instant: true, table: true },
      ],
      {
        transformations: [
          { id: 'merge', options: {} },
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, 'Value #A': true, __name__: true, instance: true },
              indexByName: { dataset: 0, check: 1, column: 2, 'Value #B': 3, 'Value #C': 4 },
              renameByName: { 'Value #B': 'value', 'Value #C': 'threshold' },
            },
          },
        ],
        fieldConfig: fieldConfig('none'),
        options: { showHeader: true, sortBy: [{ displayName: 'dataset', desc: false }] },
      },
    ),

    panel('timeseries', 'Null ratio by column', [0, 12, 12, 8], [{ expr: `dqc_null_ratio${SEL}`, legend: '{{dataset}} / {{column}}' }], series('percentunit', {}, { min: 0 })),
    panel('heatmap', 'Null ratio by column (heatmap)', [12, 12, 12, 8], [{ expr: `max by (dataset, column) (dqc_null_ratio${SEL})`, legend: '{{dataset}} / {{column}}' }], {
      options: {
        calculate: false,
        cellGap: 1,
        color: { mode: 'scheme', scheme: 'Oranges', fill: 'dark-orange', scale: 'linear', steps: 64, min: 0, max: 1 },
        yAxis: { axisPlacement: 'left' },
        rowsFrame: { layout: 'auto' },
        tooltip: { mode: 'single', yHistogram: false },
        legend: { show: true },
      },
      fieldConfig: fieldConfig('percentunit'),
    }),

    panel(
      'timeseries',
      'Data age',
      [0, 20, 12, 8],
      [
        { expr: `time() - dqc_newest_record_timestamp_seconds${SEL}`, legend: '{{dataset}}' },
        { expr: `dqc_check_threshold{dataset=~"$dataset",check="freshness"}`, legend: '{{dataset}} max age' },
      ],
      series('s'),
    ),
    panel('timeseries', 'Rows per run', [12, 20, 12, 8], [{ expr: `dqc_rows${SEL}`, legend: '{{dataset}}' }], series('short', { drawStyle: 'bars', fillOpacity: 60 })),

    panel('timeseries', 'Drift statistic (KS D) by column', [0, 28, 12, 8], [{ expr: `dqc_drift_statistic${SEL}`, legend: '{{dataset}} / {{column}}' }], series('none', {}, { min: 0, max: 1 })),
    panel(
      'timeseries',
      'Drift p-value by column',
      [12, 28, 12, 8],
      [
        { expr: `dqc_drift_p_value${SEL}`, legend: '{{dataset}} / {{column}}' },
        { expr: `max by (dataset) (dqc_check_threshold{dataset=~"$dataset",check="drift"})`, legend: '{{dataset}} threshold' },
      ],
      series('none', { scaleDistribution: { type: 'log', log: 10 } }),
    ),

    panel('timeseries', 'Run duration', [0, 36, 12, 8], [{ expr: `dqc_run_duration_seconds${SEL}`, legend: '{{dataset}}' }], series('s')),
    panel('timeseries', 'Malformed CSV lines left out', [12, 36, 12, 8], [{ expr: `dqc_bad_lines${SEL}`, legend: '{{dataset}}' }], series('short')),
  ];

  panels.forEach((p, i) => (p.id = i + 1));
  return {
    title: opts.title ?? 'Data quality (dqc)',
    uid: opts.uid ?? 'dqc',
    description: `dqc metrics for the datasets of ${config.file}. Generated by dqc dashboard.`,
    tags: ['dqc', 'data-quality'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    time: { from: 'now-7d', to: 'now' },
    refresh: '1m',
    annotations: { list: [] },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] },
        {
          name: 'dataset',
          label: 'Dataset',
          type: 'query',
          datasource: DS,
          query: { query: 'label_values(dqc_dataset_up, dataset)', refId: 'dataset' },
          definition: 'label_values(dqc_dataset_up, dataset)',
          regex: `/^(${names.join('|')})$/`,
          multi: true,
          includeAll: true,
          current: { selected: true, text: ['All'], value: ['$__all'] },
          refresh: 2,
          sort: 1,
          hide: 0,
          options: [],
        },
      ],
    },
    panels,
  };
}

/** Every PromQL expression of a dashboard, as written (template variables unexpanded). */
export function dashboardQueries(dashboard: Json): string[] {
  const out: string[] = [];
  for (const p of dashboard.panels as { targets?: { expr: string }[] }[]) for (const t of p.targets ?? []) out.push(t.expr);
  return out;
}

export function renderDashboard(config: SuiteConfig, opts: DashboardOptions = {}): string {
  return JSON.stringify(buildDashboard(config, opts), null, 2) + '\n';
}
