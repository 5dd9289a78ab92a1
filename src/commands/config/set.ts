import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import {
  CONFIG_KEY_NAMES,
  isConfigKey,
  parseConfigValue,
  unknownKeyIssue,
  validateConfigDocument,
  type ConfigValue,
} from '../../core/config-schema.js';

interface SetResult {
  key: string;
  value: ConfigValue;
  path: string;
}

export default class ConfigSet extends RunvoyCommand<SetResult> {
  static override summary = 'Set a config value.';
  static override description = `Keys: ${CONFIG_KEY_NAMES.join(', ')}. The value is checked before anything is written.`;
  static override examples = [
    '<%= config.bin %> config set cpu 1024',
    '<%= config.bin %> config set image alpine:3.20',
  ];
  static override args = {
    key: Args.string({ required: true, description: 'Config key.' }),
    value: Args.string({ required: true, description: 'New value.' }),
  };

  protected async execute(): Promise<SetResult> {
    const { args } = await this.parse(ConfigSet);
    if (!isConfigKey(args.key)) throw validationError([unknownKeyIssue(args.key)]);
    const parsed = parseConfigValue(args.key, args.value);
    if ('issue' in parsed) throw validationError([parsed.issue]);
    const next = { ...this.configFile.values(), [args.key]: parsed.value };
    const issues = validateConfigDocument(next).filter(
      (issue) => issue.field === 'memory' || issue.field === args.key,
    );
    if (issues.length > 0) throw validationError(issues);
    await this.configFile.set(args.key, parsed.value);
    return { key: args.key, value: parsed.value, path: this.configFile.path };
  }

  protected render(result: SetResult): void {
    this.log(`Set ${result.key} = ${String(result.value)} in ${result.path}`);
  }
}
