import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { isConfigKey, unknownKeyIssue } from '../../core/config-schema.js';

interface UnsetResult {
  key: string;
  removed: boolean;
  path: string;
}

export default class ConfigUnset extends RunvoyCommand<UnsetResult> {
  static override summary = 'Remove a key from the config file, so that its default applies.';
  static override examples = ['<%= config.bin %> config unset cpu'];
  static override args = { key: Args.string({ required: true, description: 'Config key.' }) };

  protected async execute(): Promise<UnsetResult> {
    const { args } = await this.parse(ConfigUnset);
    const removed = args.key in this.configFile.raw();
    // An unknown key that is in the file may be removed: that is how a user cleans it up.
    if (!isConfigKey(args.key) && !removed) throw validationError([unknownKeyIssue(args.key)]);
    if (removed) await this.configFile.unset(args.key);
    return { key: args.key, removed, path: this.configFile.path };
  }

  protected render(result: UnsetResult): void {
    this.log(result.removed ? `Removed ${result.key} from ${result.path}` : `${result.key} was not set.`);
  }
}
