import { RunvoyCommand } from '../../base-command.js';
import type { ScheduleView } from '../../services/schedules.js';
import { schedulesTable } from '../../ui/schedule-lines.js';

export default class ScheduleList extends RunvoyCommand<{ schedules: ScheduleView[] }> {
  static override summary = "List the stack's schedules with their next fire times.";

  protected async execute(): Promise<{ schedules: ScheduleView[] }> {
    await this.parse(ScheduleList);
    const { listSchedules } = await import('../../services/schedules.js');
    const ctx = await this.context();
    const { clients } = ctx;
    const stack = await ctx.requireStack();
    return { schedules: await listSchedules({ clients, stack }) };
  }

  protected render({ schedules }: { schedules: ScheduleView[] }): void {
    if (schedules.length === 0) {
      this.note("No schedules yet: create one with `runvoy schedule create NAME --cron '0 3 * * *' -- CMD`.");
      return;
    }
    this.log(schedulesTable(schedules, { boxed: this.output.boxedTables }));
  }
}
