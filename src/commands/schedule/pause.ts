import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { validateScheduleName } from '../../core/schedule.js';
import type { ScheduleView } from '../../services/schedules.js';
import { scheduleLines } from '../../ui/schedule-lines.js';

export default class SchedulePause extends RunvoyCommand<{ schedule: ScheduleView; changed: boolean }> {
  static override summary = 'Pause a schedule: it starts no run until it is resumed.';
  static override args = { name: Args.string({ description: 'Name of the schedule.', required: true }) };

  protected async execute(): Promise<{ schedule: ScheduleView; changed: boolean }> {
    const { args } = await this.parse(SchedulePause);
    const issue = validateScheduleName(args.name);
    if (issue) throw validationError([issue]);
    const { setScheduleState } = await import('../../services/schedules.js');
    const ctx = await this.context();
    const { clients } = ctx;
    const stack = await ctx.requireStack();
    return setScheduleState({ clients, stack }, args.name, 'DISABLED');
  }

  protected render({ schedule, changed }: { schedule: ScheduleView; changed: boolean }): void {
    this.note(
      changed
        ? `Paused schedule ${schedule.name}.`
        : `Schedule ${schedule.name} is already paused: nothing to do.`,
    );
    this.log(scheduleLines(schedule).join('\n'));
  }
}
