/** `dqc rules`: Prometheus alerting rules (YAML) for the datasets of a config. */
import { EXIT, type ExitCode } from '../errors.js';
import { emit, fail } from './output.js';

export interface RulesFlags {
  config: string;
  successWindow?: string;
  output?: string;
  debug?: boolean;
}

export async function rulesCommand(flags: RulesFlags): Promise<ExitCode> {
  const [{ loadConfig }, { renderRules }] = await Promise.all([import('../config/load.js'), import('../monitoring/rules.js')]);
  try {
    const text = renderRules(loadConfig(flags.config, { without: ['notify', 'tracing'] }), { successWindow: flags.successWindow });
    emit(text, flags.output);
    return EXIT.ok;
  } catch (err) {
    return fail(err, flags.debug ?? false);
  }
}
