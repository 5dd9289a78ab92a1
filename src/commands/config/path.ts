import { RunvoyCommand } from '../../base-command.js';
import { configFilePath } from '../../config/paths.js';
import { readConfigFile } from '../../config/store.js';

interface PathResult {
  path: string;
  /** Whether the file is there. */
  exists: boolean;
  /** Why the file is not a valid config, when it is not. */
  problem?: string;
}

export default class ConfigPath extends RunvoyCommand<PathResult> {
  static override summary = 'Print the path of the config file.';
  static override description = 'Works even when the file is broken, and then says so on stderr.';

  protected async execute(): Promise<PathResult> {
    await this.parse(ConfigPath);
    const path = configFilePath();
    const file = readConfigFile(path);
    const { existsSync } = await import('node:fs');
    return {
      path,
      exists: existsSync(path),
      ...('problem' in file ? { problem: file.problem.why ?? file.problem.what } : {}),
    };
  }

  protected render(result: PathResult): void {
    this.log(result.path);
    if (result.problem) {
      this.note(
        this.paintErr(
          'yellow',
          `This file is not a valid runvoy config (${result.problem}). \`runvoy config validate\` says how to fix it.`,
        ),
      );
    }
  }
}
