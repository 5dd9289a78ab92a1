import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { ExitCode, UsageError } from '../core/errors.js';
import type { DestroyResult } from '../services/destroy.js';
import { confirmByTyping, PromptInterrupted } from '../ui/prompt.js';

type DestroyOutcome = DestroyResult | (Omit<DestroyResult, 'action'> & { action: 'interrupted' });

export default class Destroy extends RunvoyCommand<DestroyOutcome> {
  static override summary = 'Delete the runvoy stack and wait until it is gone.';
  static override description = `Asks you to type the stack name (or pass --yes). With --retain-data the DynamoDB table (history, locks, audit) is kept.
Refuses while a task runs or a lock is held, listing them; --force stops the tasks first. The stack's --timeout schedules are always deleted.`;
  static override examples = [
    '<%= config.bin %> destroy',
    '<%= config.bin %> destroy --yes --retain-data',
    '<%= config.bin %> destroy --yes --force',
  ];
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Delete without asking.' }),
    'retain-data': Flags.boolean({ description: 'Keep the DynamoDB table.' }),
    force: Flags.boolean({
      description: 'Stop running tasks and delete even though runs are live or locks are held.',
    }),
  };

  protected async execute(): Promise<DestroyOutcome> {
    const { flags } = await this.parse(Destroy);
    if (!flags.yes && !this.output.prompts) {
      throw new UsageError({
        what: 'runvoy destroy needs confirmation, and there is no terminal to ask in.',
        fix: 'Pass --yes to delete without asking. Nothing was sent to AWS.',
        code: 'NEEDS_YES',
      });
    }
    const [{ destroyStack }, { Cache }, { formatEventLine }, { usageLines }] = await Promise.all([
      import('../services/destroy.js'),
      import('../config/cache.js'),
      import('../ui/stack-lines.js'),
      import('../core/stack-usage.js'),
    ]);
    const stackName = this.typedSettings().stack;
    const stackFlag = stackName === 'runvoy' ? '' : ` --stack ${stackName}`;
    let asked = { account: '', region: '' };
    try {
      const result = await destroyStack({
        clients: await this.aws(),
        cache: new Cache(),
        stackName,
        retainData: flags['retain-data'],
        force: flags.force,
        confirm: async ({ account, region, stackStatus, usage }) => {
          asked = { account, region };
          const live = usageLines(usage, stackFlag);
          const header = flags.force && usage.tasks.length > 0 ? ' (--force stops the tasks)' : '';
          if (live.length > 0)
            this.note(`Live in stack "${stackName}"${header}:\n${live.map((l) => `  ${l}`).join('\n')}`);
          if (flags.yes) return true;
          const what =
            stackStatus === 'REVIEW_IN_PROGRESS'
              ? `This deletes the empty stack "${stackName}" (${stackStatus}) in ${region} (account ${account}).`
              : `This deletes stack "${stackName}" in ${region} (account ${account})${flags['retain-data'] ? ', keeping its table' : ', with its execution history and locks'}${usage.tasks.length > 0 ? `, after stopping ${usage.tasks.length} running ${usage.tasks.length === 1 ? 'task' : 'tasks'}` : ''}.`;
          return confirmByTyping(what, stackName);
        },
        onEvent: (event) => this.note(formatEventLine(event)),
        onStep: (message) => this.note(message),
      });
      if (result.action === 'cancelled') this.exitStatus = ExitCode.Failure;
      return result;
    } catch (error) {
      if (!(error instanceof PromptInterrupted)) throw error;
      this.exitStatus = ExitCode.Interrupted;
      return {
        stackName,
        ...asked,
        action: 'interrupted',
        kept: [],
        stoppedTasks: [],
        deletedSchedules: [],
      };
    }
  }

  protected render(result: DestroyOutcome): void {
    if (result.action === 'cancelled' || result.action === 'interrupted') {
      this.note(`${result.action === 'cancelled' ? 'Cancelled' : 'Interrupted'}: nothing was deleted.`);
      return;
    }
    this.log(`Stack "${result.stackName}" deleted from ${result.region}.`);
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    if (result.stoppedTasks.length > 0)
      this.log(`Stopped ${count(result.stoppedTasks.length, 'task', 'tasks')} first (--force).`);
    if (result.deletedSchedules.length > 0)
      this.log(
        `Deleted ${count(result.deletedSchedules.length, '--timeout schedule', '--timeout schedules')}.`,
      );
    for (const kept of result.kept) this.log(`Kept ${kept.type} ${kept.name}`);
  }
}
