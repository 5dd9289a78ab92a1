import { Args, Flags, type Interfaces } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import { RunvoyCommand } from '../../base-command.js';
import { toEventBridgeCron, validateTimezone } from '../../core/cron.js';
import { UsageError, validationError, type ValidationIssue } from '../../core/errors.js';
import { parseRunRequest, type RunInput, type RunRequest } from '../../core/run-request.js';
import {
  validateScheduleName,
  validateScheduleTagCount,
  validateScheduleTaskRole,
} from '../../core/schedule.js';
import type { ResolvedSetting } from '../../core/settings.js';
import { isValidationIssue } from '../../core/validation.js';
import { choices } from '../../flag-choices.js';
import { ARCHITECTURES } from '../../core/run-options.js';
import { FARGATE_CPUS } from '../../core/fargate.js';
import type { ScheduleView } from '../../services/schedules.js';
import { scheduleLines } from '../../ui/schedule-lines.js';

type CreateFlags = Interfaces.InferredFlags<typeof ScheduleCreate.flags>;

export default class ScheduleCreate extends RunvoyCommand<{ schedule: ScheduleView }> {
  static override summary = 'Run a command on a cron schedule (EventBridge Scheduler starts the task).';
  static override description = `The cron expression has crontab's five fields (minute hour day-of-month month day-of-week) and is read in --timezone (default UTC); runvoy writes EventBridge's cron(...) form and shows the next fire times.
Each run is an ECS task started by EventBridge Scheduler with the stack's scheduler role; \`runvoy reconcile\` (and list and status) record it as an execution of origin schedule.
With --lock, a run does not start while the lock is held: a small container takes the lock first and the command depends on it (see docs/schedules.md). --lock needs --timeout, which bounds the lease.`;
  static override examples = [
    "<%= config.bin %> schedule create nightly --cron '0 3 * * *' --image alpine:3.20 -- ./backup.sh",
    "<%= config.bin %> schedule create report --cron '30 8 * * 1-5' --timezone Europe/Paris --image my/report -- report --daily",
    "<%= config.bin %> schedule create migrate --cron '@daily' --lock db --timeout 30m --task migrate",
  ];
  static override usage = [
    "<%= command.id %> NAME --cron 'M H DOM MON DOW' [FLAGS] [--] [COMMAND [ARGS...]]",
  ];
  static override strict = false;
  static override args = {
    name: Args.string({ description: 'Name of the schedule (letters, digits, . _ -).', required: true }),
  };
  static override flags = {
    cron: Flags.string({ description: "crontab expression, e.g. '0 3 * * *' or @daily.", required: true }),
    timezone: Flags.string({ description: 'IANA time zone the cron expression is read in (default UTC).' }),
    image: Flags.string({ char: 'i', description: 'Container image [config: image].' }),
    lock: Flags.string({
      char: 'l',
      description: 'Name of a lock each run takes; a run does not start while it is held.',
    }),
    cpu: Flags.string({ description: 'CPU units [config: cpu].', options: choices(FARGATE_CPUS) }),
    memory: Flags.string({ description: 'Memory in MiB, valid for the CPU [config: memory].' }),
    arch: Flags.string({ description: 'x86_64 or arm64 [config: arch].', options: choices(ARCHITECTURES) }),
    env: Flags.string({ char: 'e', multiple: true, description: 'Environment variable K=V (repeatable).' }),
    'env-file': Flags.string({ multiple: true, description: 'File of K=V lines (repeatable).' }),
    secret: Flags.string({
      multiple: true,
      description: 'NAME=REF: an SSM parameter or Secrets Manager ARN (repeatable).',
    }),
    timeout: Flags.string({
      description: 'Stop each run after this long, e.g. 30m (needed with --lock) [config: timeout].',
    }),
    shell: Flags.boolean({ description: 'Run the command through `sh -c`.' }),
    tag: Flags.string({ multiple: true, description: 'Tag K=V for each task and its record (repeatable).' }),
    'task-role': Flags.string({ description: 'IAM role ARN for the task, under the path /runvoy/.' }),
    'ephemeral-storage': Flags.integer({ description: 'Ephemeral storage in GiB, 21 to 200 (default 20).' }),
    task: Flags.string({
      description: 'Schedule the task NAME of a task file; the arguments are added to its command.',
    }),
  };

  private createFlags: Partial<CreateFlags> = {};

  protected override settingFlags() {
    const f = this.createFlags;
    return { image: f.image, cpu: f.cpu, memory: f.memory, arch: f.arch, timeout: f.timeout };
  }

  protected async execute(): Promise<{ schedule: ScheduleView }> {
    const { args, argv, flags: given } = await this.parse(ScheduleCreate);
    let command = (argv as string[]).slice(1);
    let flags = given;
    let base: RunInput['base'];
    if (given.task !== undefined) {
      const { resolveTaskRun } = await import('../../services/task-files.js');
      const resolved = await resolveTaskRun({ flags: given, command, afterDashes: true, cwd: process.cwd() });
      if (resolved.task)
        this.note(`Task ${resolved.task.name} (${resolved.task.file}:${resolved.task.line})`);
      flags = resolved.flags;
      command = resolved.command;
      base = resolved.base;
    }
    this.createFlags = flags;
    const issues: ValidationIssue[] = [];
    const nameIssue = validateScheduleName(args.name);
    if (nameIssue) issues.push(nameIssue);
    const cron = toEventBridgeCron(flags.cron);
    if (isValidationIssue(cron)) issues.push(cron);
    const timezone = flags.timezone ?? 'UTC';
    const zoneIssue = validateTimezone(timezone);
    if (zoneIssue) issues.push(zoneIssue);
    if (flags['task-role'] !== undefined) {
      const roleIssue = validateScheduleTaskRole(flags['task-role']);
      if (roleIssue) issues.push(roleIssue);
    }
    if (issues.length > 0) throw validationError(issues);
    const request = await this.buildRequest(flags, command, base);
    if (request.lockName && request.timeoutMs === undefined) {
      throw new UsageError({
        code: 'VALIDATION',
        what: '--lock on a schedule needs --timeout.',
        why: 'A scheduled run holds its lock with a lease that nobody renews: the timeout bounds it, and reconcile stops the run when it is over.',
        fix: 'Add --timeout, e.g. --timeout 30m. Nothing was sent to AWS.',
      });
    }
    const tagIssue = validateScheduleTagCount(
      Object.keys(request.tags).length,
      request.lockName !== undefined,
      request.timeoutMs !== undefined,
    );
    if (tagIssue) throw validationError([tagIssue]);

    const { createSchedule } = await import('../../services/schedules.js');
    const ctx = await this.context();
    const { clients } = ctx;
    const stack = await ctx.requireStack();
    const schedule = await createSchedule(
      { clients, stack },
      { name: args.name, cron: cron as Exclude<typeof cron, ValidationIssue>, timezone, request },
    );
    return { schedule };
  }

  private async buildRequest(
    flags: CreateFlags,
    command: string[],
    base: RunInput['base'],
  ): Promise<RunRequest> {
    const settings = this.settings();
    const sourced = <T>(setting: ResolvedSetting, key: string) => ({
      value: setting.value as T | undefined,
      field:
        setting.source === 'flag'
          ? `--${key}`
          : setting.source === 'env'
            ? (setting.origin ?? key)
            : `config ${key}`,
    });
    const envFiles = await Promise.all(
      (flags['env-file'] ?? []).map(async (path) => {
        try {
          return { path, content: await readFile(path, 'utf8') };
        } catch (error) {
          throw new UsageError({
            what: `--env-file ${path} cannot be read.`,
            why: (error as Error).message,
            fix: 'Check the path. Nothing was sent to AWS.',
          });
        }
      }),
    );
    return parseRunRequest({
      image: sourced<string>(settings.image, 'image'),
      command,
      shell: flags.shell ?? false,
      cpu: sourced<string | number>(settings.cpu, 'cpu'),
      memory: sourced<string | number>(settings.memory, 'memory'),
      memoryDefaulted: settings.memory.source === 'default',
      arch: sourced<string>(settings.arch, 'arch'),
      spot: false,
      env: flags.env ?? [],
      envFiles,
      secrets: flags.secret ?? [],
      tags: flags.tag ?? [],
      lock: flags.lock,
      timeout: sourced<string>(settings.timeout, 'timeout'),
      detach: true,
      taskRole: flags['task-role'],
      ephemeralStorage: flags['ephemeral-storage'],
      base,
    });
  }

  protected render({ schedule }: { schedule: ScheduleView }): void {
    this.note(`Created schedule ${schedule.name}.`);
    this.log(scheduleLines(schedule).join('\n'));
  }
}
