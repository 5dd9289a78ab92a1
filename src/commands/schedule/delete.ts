import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { validateScheduleName } from '../../core/schedule.js';

export default class ScheduleDelete extends RunvoyCommand<{ name: string; deleted: true }> {
  static override summary = 'Delete a schedule. Runs it already started keep running.';
  static override args = { name: Args.string({ description: 'Name of the schedule.', required: true }) };

  protected async execute(): Promise<{ name: string; deleted: true }> {
    const { args } = await this.parse(ScheduleDelete);
    const issue = validateScheduleName(args.name);
    if (issue) throw validationError([issue]);
    const { deleteSchedule } = await import('../../services/schedules.js');
    const ctx = await this.context();
    const { clients } = ctx;
    const stack = await ctx.requireStack();
    return deleteSchedule({ clients, stack }, args.name);
  }

  protected render(result: { name: string }): void {
    this.note(`Deleted schedule ${result.name}.`);
  }
}
