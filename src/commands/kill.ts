import { Args } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { checkIdArgument } from '../services/execution-lookup.js';
import type { KillResult } from '../services/kill.js';

export default class Kill extends RunvoyCommand<KillResult> {
  static override summary = "Stop an execution's task (idempotent); it becomes STOPPED once ECS confirms.";
  static override description =
    'Records who killed it and when, and an audit event. An attached `runvoy run` watching it reports the stop and exits 130.';
  static override examples = ['<%= config.bin %> kill 7k2m9x4qbd0e', '<%= config.bin %> kill 7k2m --json'];
  static override args = {
    id: Args.string({ required: true, description: 'Execution ID or unique prefix.' }),
  };

  protected async execute(): Promise<KillResult> {
    const { args } = await this.parse(Kill);
    const id = checkIdArgument(args.id);
    const { executionsContext } = await import('../services/list.js');
    const { killExecution } = await import('../services/kill.js');
    const ctx = await executionsContext(await this.aws(), String(this.settings().stack.value), (m) =>
      this.note(m),
    );
    return killExecution(ctx, id);
  }

  protected render(result: KillResult): void {
    const r = result.execution;
    if (result.outcome === 'already-finished') {
      this.log(`${r.id} had already finished: ${r.status}${r.killedBy ? ` (killed by ${r.killedBy})` : ''}.`);
      return;
    }
    const verb = result.outcome === 'stopped' ? 'Stopped' : 'Already stopping:';
    this.log(
      result.confirmed
        ? `${verb} ${r.id}: ${r.status}, killed by ${r.killedBy ?? '?'}.`
        : `${verb} ${r.id}: ECS is stopping the task; \`${this.hint('status', r.id)}\` shows STOPPED once it has.`,
    );
  }
}
