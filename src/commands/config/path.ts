import { RunvoyCommand } from '../../base-command.js';

export default class ConfigPath extends RunvoyCommand<{ path: string }> {
  static override summary = 'Print the path of the config file.';

  protected async execute(): Promise<{ path: string }> {
    await this.parse(ConfigPath);
    return { path: this.configFile.path };
  }

  protected render(result: { path: string }): void {
    this.log(result.path);
  }
}
