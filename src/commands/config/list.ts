import { RunvoyCommand } from '../../base-command.js';
import { CONFIG_KEY_NAMES } from '../../core/config-schema.js';
import type { ResolvedSetting } from '../../core/settings.js';

interface ListResult {
  path: string;
  values: Record<string, ResolvedSetting>;
}

export default class ConfigList extends RunvoyCommand<ListResult> {
  static override summary = 'List every config key with the value runvoy uses and where it comes from.';

  protected async execute(): Promise<ListResult> {
    await this.parse(ConfigList);
    return { path: this.configFile.path, values: this.settings() };
  }

  protected render(result: ListResult): void {
    const width = Math.max(...CONFIG_KEY_NAMES.map((k) => k.length));
    for (const key of CONFIG_KEY_NAMES) {
      const setting = result.values[key];
      const value = setting?.value === undefined ? this.paint('dim', '(unset)') : String(setting.value);
      const from = setting ? this.paint('dim', `  ${setting.origin ?? setting.source}`) : '';
      this.log(`${key.padEnd(width)}  ${value}${from}`);
    }
  }
}
