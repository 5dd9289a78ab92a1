import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { ExitCode, UsageError } from '../core/errors.js';
import type { DestroyResult } from '../services/destroy.js';
import { canPrompt, confirmByTyping } from '../ui/prompt.js';

export default class Destroy extends RunvoyCommand<DestroyResult> {
  static override summary = 'Delete the runvoy stack and wait until it is gone.';
  static override description =
    'Asks you to type the stack name (or pass --yes). With --retain-data the DynamoDB table (history, locks, audit) is kept.';
  static override examples = ['<%= config.bin %> destroy', '<%= config.bin %> destroy --yes --retain-data'];
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Delete without asking.' }),
    'retain-data': Flags.boolean({ description: 'Keep the DynamoDB table.' }),
  };

  protected async execute(): Promise<DestroyResult> {
    const { flags } = await this.parse(Destroy);
    if (!flags.yes && !canPrompt()) {
      throw new UsageError({
        what: 'runvoy destroy needs confirmation, and there is no terminal to ask in.',
        fix: 'Pass --yes to delete without asking. Nothing was sent to AWS.',
        code: 'NEEDS_YES',
      });
    }
    const [{ destroyStack }, { Cache }, { formatEventLine }] = await Promise.all([
      import('../services/destroy.js'),
      import('../config/cache.js'),
      import('../ui/stack-lines.js'),
    ]);
    const stackName = String(this.settings().stack.value);
    const result = await destroyStack({
      clients: await this.aws(),
      cache: new Cache(),
      stackName,
      retainData: flags['retain-data'],
      confirm: async ({ account, region }) =>
        flags.yes ||
        confirmByTyping(
          `This deletes stack "${stackName}" in ${region} (account ${account})${flags['retain-data'] ? ', keeping its table' : ', with its execution history and locks'}.`,
          stackName,
        ),
      onEvent: (event) => this.note(formatEventLine(event)),
      onStep: (message) => this.note(message),
    });
    if (result.action === 'cancelled') this.exitStatus = ExitCode.Failure;
    return result;
  }

  protected render(result: DestroyResult): void {
    if (result.action === 'cancelled') {
      this.note('Cancelled: nothing was deleted.');
      return;
    }
    this.log(`Stack "${result.stackName}" deleted from ${result.region}.`);
    for (const kept of result.kept) this.log(`Kept ${kept.type} ${kept.name}`);
  }
}
