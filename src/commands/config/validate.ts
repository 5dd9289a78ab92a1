import { RunvoyCommand } from '../../base-command.js';
import { configFilePath } from '../../config/paths.js';
import { readConfigFile } from '../../config/store.js';
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
  /** The file cannot be read as a config at all: what to do about it. */
  fix?: string;
}

export default class ConfigValidate extends RunvoyCommand<ValidateResult> {
  static override summary = 'Check every key of the config file and every RUNVOY_* variable.';
  static override description =
    'Exits 2 and prints one line per bad value when anything is wrong, including a file that is not JSON.';

  protected async execute(): Promise<ValidateResult> {
    await this.parse(ConfigValidate);
    const path = configFilePath();
    const file = readConfigFile(path);
    const issues: ValidationIssue[] = [];
    let fix: string | undefined;
    if ('problem' in file) {
      issues.push({
        field: 'config file',
        value: path,
        allowed: 'a file holding one JSON object of keys and values',
        hint: file.problem.why,
      });
      fix = file.problem.fix;
    } else {
      issues.push(...validateConfigDocument(file.doc));
    }
    for (const key of CONFIG_KEY_NAMES) {
      const text = process.env[envVarFor(key)];
      if (text === undefined || text === '') continue;
      const parsed = parseConfigValue(key, text, envVarFor(key));
      if ('issue' in parsed) issues.push(parsed.issue);
    }
    if (issues.length > 0) this.exitStatus = ExitCode.Usage;
    return { path, valid: issues.length === 0, issues, ...(fix ? { fix } : {}) };
  }

  protected render(result: ValidateResult): void {
    if (result.valid) {
      this.log(`${this.paint('green', '✔')} ${result.path} is valid.`);
      return;
    }
    for (const issue of result.issues) {
      const text =
        issue.field === 'config file'
          ? `${issue.value} is not a valid runvoy config: ${issue.hint ?? 'it is not one JSON object'}`
          : describeIssue(issue);
      this.log(`${this.paint('red', '✖')} ${text}`);
    }
    this.note(
      result.fix ??
        `Fix with \`runvoy config set KEY VALUE\` or \`runvoy config unset KEY\` (file: ${result.path}).`,
    );
  }
}
