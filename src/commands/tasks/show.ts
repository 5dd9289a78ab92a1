import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import type { ConfigKey } from '../../core/config-schema.js';
import { containerCommand, displayCommand } from '../../core/shell-quote.js';
import type { Task, TaskSummary } from '../../core/task-file.js';

type SettingKey = 'image' | 'cpu' | 'memory' | 'arch' | 'spot' | 'timeout';

interface Resolved {
  value: string | number | boolean | undefined;
  /** Where it comes from: the task file's key, a variable, `config KEY`, or `default`. */
  from: string;
}

interface TaskShowResult {
  task: TaskSummary;
  /** The settings `run` would use: the task's, else the environment's, the config file's or the default. */
  resolved: Record<SettingKey, Resolved>;
  /** The variables of the task's env files and env map, by name. */
  env: string[];
  /** What the container runs (sh -c for shell); absent: the image's own command. */
  containerCommand?: string[];
}

const SETTING_KEYS: SettingKey[] = ['image', 'cpu', 'memory', 'arch', 'spot', 'timeout'];

export default class TasksShow extends RunvoyCommand<TaskShowResult> {
  static override summary = 'Show a task as `runvoy run NAME` would run it, and where each value comes from.';
  static override description =
    'The task file is found and checked as for `tasks list`; its env files are read. Flags given to `run` would still override what is shown. Makes no AWS request.';
  static override examples = [
    '<%= config.bin %> tasks show migrate',
    '<%= config.bin %> tasks show migrate --json',
  ];
  static override args = { name: Args.string({ required: true, description: 'The task name.' }) };

  private task: Task | undefined;

  protected override settingFlags(): Partial<Record<ConfigKey, string | number | boolean | undefined>> {
    const t = this.task;
    return t
      ? { image: t.image, cpu: t.cpu, memory: t.memory, arch: t.arch, spot: t.spot, timeout: t.timeout }
      : {};
  }

  protected async execute(): Promise<TaskShowResult> {
    const { args } = await this.parse(TasksShow);
    const { loadTasks, readTaskEnvironment } = await import('../../services/task-files.js');
    const { taskSummary } = await import('../../core/task-file.js');
    const { taskNotFound } = await import('../../core/task-run.js');
    const set = await loadTasks(process.cwd());
    const task = set.tasks.find((t) => t.name === args.name);
    if (!task)
      throw taskNotFound(
        args.name,
        set.tasks.map((t) => t.name),
        set.search,
        args.name,
      );
    this.task = task;
    const { env } = await readTaskEnvironment(task, process.cwd());
    const settings = this.settings();
    const resolved = Object.fromEntries(
      SETTING_KEYS.map((key) => {
        const s = settings[key];
        const from =
          s.source === 'flag'
            ? (task.fields[key] ?? task.file)
            : s.source === 'env'
              ? (s.origin ?? 'environment')
              : s.source === 'config'
                ? `config ${key}`
                : 'default';
        return [key, { value: s.value, from }];
      }),
    ) as Record<SettingKey, Resolved>;
    const argv = containerCommand(task.command, task.shell);
    return {
      task: taskSummary(task),
      resolved,
      env: env.map((e) => e.name),
      ...(argv ? { containerCommand: argv } : {}),
    };
  }

  protected render(result: TaskShowResult): void {
    const { task, resolved: r } = result;
    const from = (setting: Resolved) => this.paint('dim', `  (${setting.from})`);
    const fields: Array<[string, string | undefined]> = [
      ['task', `${task.name}  ${this.paint('dim', `${task.file}:${task.line}`)}`],
      ['description', task.description],
      [
        'image',
        r.image.value === undefined
          ? 'none: set image in the task, or `runvoy config set image IMAGE`'
          : `${String(r.image.value)}${from(r.image)}`,
      ],
      ['command', displayCommand(task.command, task.shell) || "(the image's own)"],
      ['cpu', `${String(r.cpu.value)}${from(r.cpu)}`],
      ['memory', `${String(r.memory.value)} MiB${from(r.memory)}`],
      ['arch', `${String(r.arch.value)}${from(r.arch)}`],
      ['spot', `${r.spot.value ? 'yes' : 'no'}${from(r.spot)}`],
      ['timeout', r.timeout.value === undefined ? undefined : `${String(r.timeout.value)}${from(r.timeout)}`],
      ['lock', task.lock && `${task.lock}${task.lockWait ? ` (waits up to ${task.lockWait})` : ''}`],
      ['env names', result.env.length ? result.env.join(', ') : undefined],
      ['env files', task.envFiles.length ? task.envFiles.join(', ') : undefined],
      ['secret names', task.secrets.length ? task.secrets.join(', ') : undefined],
      [
        'tags',
        Object.keys(task.tags).length
          ? Object.entries(task.tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : undefined,
      ],
      ['task role', task.taskRole],
      ['ephemeral storage', task.ephemeralStorage === undefined ? undefined : `${task.ephemeralStorage} GiB`],
    ];
    const shown = fields.filter((f): f is [string, string] => f[1] !== undefined);
    const width = Math.max(...shown.map(([k]) => k.length));
    for (const [key, value] of shown) this.log(`${key.padEnd(width)}  ${value}`);
  }
}
