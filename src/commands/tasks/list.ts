import { RunvoyCommand } from '../../base-command.js';
import { displayCommand } from '../../core/shell-quote.js';
import type { TaskSummary } from '../../core/task-file.js';
import { renderTable } from '../../ui/tables.js';

interface TasksListResult {
  /** The directory whose task files were read; null when none was found. */
  directory: string | null;
  tasks: TaskSummary[];
}

export default class TasksList extends RunvoyCommand<TasksListResult> {
  static override summary =
    'List the tasks that `runvoy run NAME` runs, from runvoy.yml and .runvoy/NAME.yml.';
  static override description = `Task files are read from the current directory, or else from the nearest parent directory that has any, up to the root of the git repository. Every task is checked as \`run\` checks it: a mistake anywhere exits 2, naming the file, the line and the key. Makes no AWS request. See docs/task-files.md.`;
  static override examples = ['<%= config.bin %> tasks list', '<%= config.bin %> tasks list --json'];

  protected async execute(): Promise<TasksListResult> {
    await this.parse(TasksList);
    const { loadTasks } = await import('../../services/task-files.js');
    const { taskSummary } = await import('../../core/task-file.js');
    const { describeSearch } = await import('../../core/task-run.js');
    const set = await loadTasks(process.cwd());
    if (set.tasks.length === 0) this.note(describeSearch(set.search, []));
    return { directory: set.search.directory ?? null, tasks: set.tasks.map(taskSummary) };
  }

  protected render({ tasks }: TasksListResult): void {
    if (tasks.length === 0) return;
    const described = tasks.some((t) => t.description);
    const header = ['NAME', 'FILE', 'IMAGE', 'COMMAND', 'LOCK', ...(described ? ['DESCRIPTION'] : [])];
    const rows = tasks.map((t) => [
      t.name,
      `${t.file}:${t.line}`,
      t.image ?? '(config image)',
      displayCommand(t.command, t.shell) || "(the image's own)",
      t.lock ?? '-',
      ...(described ? [t.description ?? ''] : []),
    ]);
    this.log(renderTable(header, rows, { boxed: this.output.boxedTables }));
  }
}
