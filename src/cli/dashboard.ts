/** `dqc dashboard`: a Grafana dashboard (JSON) for the datasets of a config. */
import { writeFileSync } from 'node:fs';
import { DqcError, EXIT, type ExitCode } from '../errors.js';
import { fail } from './output.js';

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
    if (flags.output !== undefined) writeOutput(flags.output, text);
    else process.stdout.write(text);
    return EXIT.ok;
  } catch (err) {
    return fail(err, flags.debug ?? false);
  }
}

function writeOutput(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new DqcError('E_OUTPUT', EXIT.usage, `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass a writable path with --output');
  }
}
