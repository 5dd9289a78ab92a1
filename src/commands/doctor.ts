import { RunvoyCommand } from '../base-command.js';
import { ExitCode } from '../core/errors.js';
import type { DoctorReport } from '../services/doctor.js';
import { configFilePath } from '../config/paths.js';
import { readConfigFile } from '../config/store.js';
import type { ConfigRecord } from '../core/config-schema.js';

export default class Doctor extends RunvoyCommand<DoctorReport> {
  static override summary =
    'Check credentials, region, endpoint, config and stack; one line per check, each failure with its fix.';
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json --profile prod'];

  private readonly configContent = readConfigFile(configFilePath());

  /** A broken config file is one failed check: the other checks run on flags, environment and defaults. */
  protected override configValues(): ConfigRecord {
    return 'problem' in this.configContent ? {} : super.configValues();
  }

  protected async execute(): Promise<DoctorReport> {
    await this.parse(Doctor);
    const [{ runDoctor }, { toRunvoyError }, { stackChecks }, { profileExists }] = await Promise.all([
      import('../services/doctor.js'),
      import('../aws/errors.js'),
      import('../services/doctor-stack.js'),
      import('../aws/profiles.js'),
    ]);
    const clients = await this.aws();
    const stackName = this.typedSettings().stack;
    const { budgetsFrom } = await import('../services/budget.js');
    const budgets = budgetsFrom(this.settings());
    const profile = this.settings().profile;
    const report = await runDoctor({
      clients,
      more: ({ region, identity }) =>
        stackChecks(clients, stackName, region, { budgets, callerArn: identity.arn }),
      configDocument: 'doc' in this.configContent ? this.configContent.doc : {},
      configProblem: 'problem' in this.configContent ? this.configContent.problem : undefined,
      configPath: configFilePath(),
      profile:
        typeof profile.value === 'string'
          ? { name: profile.value, from: profile.origin ?? profile.source }
          : undefined,
      profileExists,
      toRunvoyError,
    });
    if (!report.ok) this.exitStatus = ExitCode.Failure;
    return report;
  }

  protected render(report: DoctorReport): void {
    const width = Math.max(...report.checks.map((c) => c.label.length));
    for (const check of report.checks) {
      const mark = check.ok ? this.paint('green', '✔') : this.paint('red', '✖');
      this.log(`${mark} ${check.label.padEnd(width)}  ${check.detail}`);
      if (!check.ok && check.fix)
        this.log(`  ${' '.repeat(width)}  ${this.paint('yellow', 'fix:')} ${this.withHints(check.fix)}`);
    }
  }
}
