import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { isConfigKey, unknownKeyIssue } from '../../core/config-schema.js';
import type { ResolvedSetting } from '../../core/settings.js';

interface GetResult extends ResolvedSetting {
  key: string;
}

export default class ConfigGet extends RunvoyCommand<GetResult> {
  static override summary = 'Print the value runvoy uses for a key, after flags, environment and defaults.';
  static override examples = ['<%= config.bin %> config get region'];
  static override args = { key: Args.string({ required: true, description: 'Config key.' }) };

  protected async execute(): Promise<GetResult> {
    const { args } = await this.parse(ConfigGet);
    if (!isConfigKey(args.key)) throw validationError([unknownKeyIssue(args.key)]);
    return { key: args.key, ...this.settings()[args.key] };
  }

  protected render(result: GetResult): void {
    if (result.value !== undefined) this.log(String(result.value));
    this.note(this.paintErr('dim', `(from ${result.origin ?? result.source})`));
  }
}
