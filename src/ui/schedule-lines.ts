import { quoteArgv } from '../core/shell-quote.js';
import type { ScheduleView } from '../services/schedules.js';
import { renderTable, type TableStyle } from './tables.js';

/** One schedule, field by field (`schedule create`, `pause`, `resume`). */
export function scheduleLines(schedule: ScheduleView): string[] {
  const fields: Array<[string, string | undefined]> = [
    ['name', schedule.name],
    ['state', schedule.state],
    ['cron', schedule.cron ? `${schedule.cron} (${schedule.timezone})` : undefined],
    ['expression', `${schedule.expression} ${schedule.timezone}`],
    ['next runs', schedule.nextRuns.length ? schedule.nextRuns.join(', ') : '(none while paused)'],
    ['image', schedule.image],
    ['command', schedule.command.length ? quoteArgv(schedule.command) : "(the image's own)"],
    ['lock', schedule.lock],
    ['task definition', schedule.taskDefinitionArn],
    ['group', schedule.group],
  ];
  const present = fields.filter((f): f is [string, string] => f[1] !== undefined);
  const width = Math.max(...present.map(([k]) => k.length)) + 2;
  return present.map(([k, v]) => `${k.padEnd(width)}${v}`);
}

export function schedulesTable(schedules: ScheduleView[], style: TableStyle): string {
  const header = ['NAME', 'STATE', 'CRON', 'TIMEZONE', 'NEXT RUN', 'LOCK', 'IMAGE', 'COMMAND'];
  const rows = schedules.map((s) => [
    s.name,
    s.state,
    s.cron ?? s.expression,
    s.timezone,
    s.nextRuns[0] ?? '-',
    s.lock ?? '-',
    s.image ?? '-',
    quoteArgv(s.command) || '-',
  ]);
  return renderTable(header, rows, style);
}
