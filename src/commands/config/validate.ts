import { RunvoyCommand } from '../../base-command.js';
import { describeIssue, ExitCode, type ValidationIssue } from '../../core/errors.js';
import {
  CONFIG_KEY_NAMES,
  envVarFor,
  parseConfigValue,
  validateConfigDocument,
} from '../../core/config-schema.js';

interface ValidateResult {
  path: string;
  valid: boolean;
  issues: ValidationIssue[];
}

export default class ConfigValidate extends RunvoyCommand<ValidateResult> {
  static override summary = 'Check every key of the config file and every RUNVOY_* variable.';
  static override description = 'Exits 2 and prints one line per bad value when anything is wrong.';

  protected async execute(): Promise<ValidateResult> {
    await this.parse(ConfigValidate);
    const issues = validateConfigDocument(this.configFile.raw());
    for (const key of CONFIG_KEY_NAMES) {
      const text = process.env[envVarFor(key)];
      if (text === undefined || text === '') continue;
      const parsed = parseConfigValue(key, text, envVarFor(key));
      if ('issue' in parsed) issues.push(parsed.issue);
    }
    if (issues.length > 0) this.exitStatus = ExitCode.Usage;
    return { path: this.configFile.path, valid: issues.length === 0, issues };
  }

  protected render(result: ValidateResult): void {
    if (result.valid) {
      this.log(`${this.paint('green', '✔')} ${result.path} is valid.`);
      return;
    }
    for (const issue of result.issues) this.log(`${this.paint('red', '✖')} ${describeIssue(issue)}`);
    this.note(
      `Fix with \`runvoy config set KEY VALUE\` or \`runvoy config unset KEY\` (file: ${result.path}).`,
    );
  }
}
