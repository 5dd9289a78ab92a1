import { Args } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { DEFAULT_LOST_GRACE_MS } from '../core/reconcile-plan.js';
import { checkIdArgument } from '../services/execution-lookup.js';
import type { KillResult } from '../services/kill.js';

export default class Kill extends RunvoyCommand<KillResult> {
  static override summary = "Stop an execution's task (idempotent); it becomes STOPPED once ECS confirms.";
  static override description = `Records who killed it and when, and an audit event. An attached \`runvoy run\` watching it reports the stop and exits 130.

Exits 0 when the task is stopped or stopping, when the run had already finished, and when ECS no longer knows its task (ECS forgets stopped tasks after about an hour, so it is not running). In that last case kill stops nothing, records no kill, and says what the record says: a run older than reconcile's grace period (${DEFAULT_LOST_GRACE_MS / 60_000}m) is marked LOST on the spot and its lock freed, a younger one is left for \`runvoy reconcile\`.`;
  static override examples = ['<%= config.bin %> kill 7k2m9x4qbd0e', '<%= config.bin %> kill 7k2m --json'];
  static override args = {
    id: Args.string({ required: true, description: 'Execution ID or unique prefix.' }),
  };

  protected async execute(): Promise<KillResult> {
    const { args } = await this.parse(Kill);
    const id = checkIdArgument(args.id);
    const { killExecution } = await import('../services/kill.js');
    const ctx = await this.stackContext();
    return killExecution(ctx, id);
  }

  protected render(result: KillResult): void {
    const r = result.execution;
    if (result.outcome === 'already-finished') {
      this.log(`${r.id} had already finished: ${r.status}${r.killedBy ? ` (killed by ${r.killedBy})` : ''}.`);
      return;
    }
    if (result.outcome === 'task-unknown') {
      this.log(taskUnknownLines(result, this.typedSettings().stack).join('\n'));
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

/** What `kill` says when ECS no longer knows the task: nothing was stopped, and what happens to the record. */
export function taskUnknownLines(result: KillResult, stack: string | undefined): string[] {
  const r = result.execution;
  const stackFlag = stack && stack !== 'runvoy' ? ` --stack ${stack}` : '';
  const lines = [
    `Nothing to stop: ECS no longer knows task ${result.unknownTaskArn ?? r.taskArn ?? '?'} of ${r.id} (ECS forgets stopped tasks after about an hour), so it is not running. No kill was recorded.`,
  ];
  if (result.markedLost) {
    lines.push(
      `The record said ${result.recordStatus ?? '?'} and is past the grace period: marked it LOST now${r.lockName ? (result.lockReleased ? `; its lock "${r.lockName}" was freed` : `; its lock "${r.lockName}" was not held by it any more`) : ''}.`,
    );
  } else if (result.confirmed) {
    lines.push(`The record says ${r.status}: it was finished meanwhile.`);
  } else {
    lines.push(
      `The record says ${r.status} (created ${r.createdAt}). \`runvoy reconcile${stackFlag}\` will mark it LOST${r.lockName ? ` and free its lock "${r.lockName}"` : ''} once the grace period has passed (${result.lostAfter ?? 'later'}).`,
    );
  }
  return lines;
}
