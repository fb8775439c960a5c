/** `dqc dashboard`: a Grafana dashboard (JSON) for the datasets of a config. */
import { EXIT, type ExitCode } from '../errors.js';
import { emit, fail } from './output.js';

export interface DashboardFlags {
  config: string;
  title?: string;
  uid?: string;
  output?: string;
  debug?: boolean;
}

export async function dashboardCommand(flags: DashboardFlags): Promise<ExitCode> {
  const [{ loadConfig }, { renderDashboard }] = await Promise.all([import('../config/load.js'), import('../monitoring/dashboard.js')]);
  try {
    const text = renderDashboard(loadConfig(flags.config, { without: ['notify', 'tracing'] }), { title: flags.title, uid: flags.uid });
    emit(text, flags.output);
    return EXIT.ok;
  } catch (err) {
    return fail(err, flags.debug ?? false);
  }
}
