import { Args, Flags, type Interfaces } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import { RunvoyCommand, type Settings } from '../base-command.js';
import { RunvoyError, UsageError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { parseRunRequest, type RunInput, type RunRequest } from '../core/run-request.js';
import { argvGrammar, splitRunArgv, type FlagShape } from '../core/run-argv.js';
import type { ResolvedSetting } from '../core/settings.js';
import type { TeamPolicy } from '../core/policy.js';
import type { RunPlan } from '../services/run-plan.js';
import { formatPage, textLogLines } from '../ui/log-lines.js';
import { choices } from '../flag-choices.js';
import { ARCHITECTURES } from '../core/run-options.js';
import { FARGATE_CPUS } from '../core/fargate.js';

type RunFlags = Interfaces.InferredFlags<typeof Run.flags>;

type RunResult =
  | RunPlan
  | { detached: true; execution: ExecutionRecord }
  | { detached: false; execution: ExecutionRecord; exitCode: number; hint?: string };

export default class Run extends RunvoyCommand<RunResult> {
  static override jsonStream = true;
  static override summary = 'Run a command in a container on ECS Fargate, optionally behind a named lock.';
  static override description = `runvoy's flags come first: the command starts at the first argument that is not a flag or a flag's value (as with docker run), so \`run --image alpine ls -la\` runs \`ls -la\`. Put -- before a command that starts with "-".
The command is passed to the container as an argument vector (exec form). With --shell it runs through sh -c: one argument is the script as written; several arguments are each quoted as one word and joined.
Task files (runvoy.yml, .runvoy/NAME.yml, in this directory or the nearest parent that has them, up to the git root): \`run NAME\` runs the task NAME when one is defined, and \`run NAME -- ARGS\` adds ARGS to its command; flags given on the command line override the task's keys. \`run -- CMD\` always runs the command CMD, and \`--task NAME\` always the task. See \`runvoy tasks list\` and docs/task-files.md.
Exits with the container's exit code. Ctrl-C detaches: the task keeps running and keeps its lock.`;
  static override examples = [
    '<%= config.bin %> run --image public.ecr.aws/docker/library/alpine:3.20 -- echo hello',
    '<%= config.bin %> run --image alpine:3.20 ls -la',
    '<%= config.bin %> run --image hashicorp/terraform:1.9 --lock prod-apply --lock-wait 10m -- apply -auto-approve',
    "<%= config.bin %> run --image alpine:3.20 --shell -- 'echo $HOSTNAME && uname -a'",
    '<%= config.bin %> run --image alpine:3.20 --detach --timeout 2h -- ./long-job.sh',
    '<%= config.bin %> run migrate',
    '<%= config.bin %> run --cpu 1024 migrate -- --steps 2',
  ];
  static override usage = [
    '<%= command.id %> [FLAGS] [--] [COMMAND [ARGS...]]',
    '<%= command.id %> [FLAGS] TASK [-- ARGS...]',
  ];
  // The command is split off before parsing (see init), so what reaches the parser is runvoy's flags only.
  static override strict = true;
  static override args = {
    command: Args.string({
      description:
        'Command and arguments to run: everything from the first argument that is not a flag. Or the name of a task (TASK [-- ARGS...]).',
      ignoreStdin: true,
    }),
  };
  static override flags = {
    image: Flags.string({ char: 'i', description: 'Container image [config: image].' }),
    lock: Flags.string({ char: 'l', description: 'Name of a lock to hold while the task runs.' }),
    'lock-wait': Flags.string({
      description: 'How long to wait for a held lock, e.g. 10m (default: fail at once).',
    }),
    cpu: Flags.string({
      description: 'CPU units: 256, 512, 1024, 2048, 4096, 8192, 16384 [config: cpu].',
      options: choices(FARGATE_CPUS),
    }),
    memory: Flags.string({ description: 'Memory in MiB, valid for the CPU [config: memory].' }),
    arch: Flags.string({ description: 'x86_64 or arm64 [config: arch].', options: choices(ARCHITECTURES) }),
    spot: Flags.boolean({
      allowNo: true,
      description: 'Run on Fargate Spot, falling back to on-demand [config: spot].',
    }),
    env: Flags.string({ char: 'e', multiple: true, description: 'Environment variable K=V (repeatable).' }),
    'env-file': Flags.string({ multiple: true, description: 'File of K=V lines (repeatable).' }),
    secret: Flags.string({
      multiple: true,
      description: 'NAME=REF: an SSM parameter or Secrets Manager ARN (repeatable).',
    }),
    timeout: Flags.string({
      description: 'Stop the task after this long, e.g. 30m; holds when detached [config: timeout].',
    }),
    detach: Flags.boolean({
      char: 'd',
      description: 'Start the task and exit; follow it later with `runvoy logs ID --follow`.',
    }),
    shell: Flags.boolean({
      description:
        'Run the command through `sh -c`: one argument is the script as written, several are quoted and joined.',
    }),
    tag: Flags.string({ multiple: true, description: 'Tag K=V for the task and the record (repeatable).' }),
    'task-role': Flags.string({
      description: 'IAM role ARN for the task (default: the stack role, no permissions).',
    }),
    'ephemeral-storage': Flags.integer({ description: 'Ephemeral storage in GiB, 21 to 200 (default 20).' }),
    'dry-run': Flags.boolean({
      description: 'Validate and print the plan and cost estimate; writes nothing.',
    }),
    'over-budget': Flags.boolean({ description: 'Run even if it would break a configured budget.' }),
    task: Flags.string({
      description:
        'Run the task NAME of a task file (runvoy.yml, .runvoy/NAME.yml); the arguments are added to its command.',
    }),
  };

  /** The flags with the task file applied: they override config keys (settingFlags). */
  private runFlags: RunFlags | undefined;
  /** The container's command: everything after runvoy's own flags (see splitRunArgv). */
  private commandArgv: string[] = [];
  /** Whether the command came after an explicit `--` (then it is never a task's name). */
  private commandAfterDashes = false;
  /** A task file's variables and secrets (see applyTaskFile). */
  private taskBase: RunInput['base'];

  public override async init(): Promise<void> {
    const grammar = argvGrammar({
      ...(Run.baseFlags as Record<string, FlagShape>),
      ...(Run.flags as Record<string, FlagShape>),
      json: { type: 'boolean' },
    });
    const { flags, command } = splitRunArgv(this.argv, grammar);
    this.commandAfterDashes = this.argv[flags.length] === '--';
    this.argv = flags;
    this.commandArgv = command;
    await super.init();
  }

  protected override settingFlags() {
    const f = this.runFlags;
    return {
      image: f?.image,
      cpu: f?.cpu,
      memory: f?.memory,
      arch: f?.arch,
      timeout: f?.timeout,
      spot: f?.spot,
    };
  }

  protected async execute(): Promise<RunResult> {
    const { flags: given, argv } = await this.parse(Run);
    const flags = await this.applyTaskFile(given);
    this.runFlags = flags;
    const local = this.settings();
    // Everything given is checked before any request; only the image may still come from the team policy.
    await this.buildRequest(flags, argv as string[], local).catch((error: unknown) => {
      if (!(local.image.value === undefined && isOnlyMissingImage(error))) throw error;
    });

    const [policyCore, runPolicy, { checkBudget }] = await Promise.all([
      import('../core/policy.js'),
      import('../services/run-policy.js'),
      import('../services/budget.js'),
    ]);
    const ctx = await this.stackContext().catch((error: unknown) => {
      // Without an image and without a stack there is no team default to look for: the image is what is missing.
      if (
        local.image.value === undefined &&
        error instanceof RunvoyError &&
        error.code === 'STACK_NOT_FOUND'
      ) {
        throw runPolicy.noImageError(
          `No image was given, and the stack that could hold a team default was not found: ${error.what}`,
        );
      }
      throw error;
    });
    const { stack, store } = ctx;
    const budgetWarn = (line: string) => this.note(this.paintErr('yellow', line));
    let request: RunRequest | undefined;
    /** The run as the team policy (under the user's own settings) makes it, refused when it breaks a rule. */
    const decide = async (policy: TeamPolicy): Promise<RunRequest> => {
      const settings = policyCore.withPolicyDefaults(local, policy);
      if (settings.image.value === undefined) throw runPolicy.noImageError();
      const parsed = await this.buildRequest(flags, argv as string[], settings);
      const ruled = runPolicy.applyRunRules(parsed, policy, {
        image: fieldOf(settings.image, 'image'),
        timeout: fieldOf(settings.timeout, 'timeout'),
      });
      for (const note of ruled.notes) this.note(note);
      await runPolicy.checkConcurrency(ctx, policy);
      await checkBudget({
        stack,
        store,
        request: ruled.request,
        overBudget: flags['over-budget'],
        warn: budgetWarn,
        settings: local,
        team: {
          budgets: policyCore.teamBudgets(policy),
          allowOverride: policy.values['budget.allowOverride'] === true,
        },
      });
      request = ruled.request;
      return ruled.request;
    };
    if (flags['dry-run']) {
      const [{ planRun }, { teamPolicyForRun }] = await Promise.all([
        import('../services/run-plan.js'),
        import('../services/policy.js'),
      ]);
      const { policy } = await teamPolicyForRun(ctx, { fresh: true });
      return planRun(await decide(policy), stack);
    }
    const { startExecution } = await import('../services/run.js');
    const { plainRunReporter, jsonRunReporter, detachLines } = await import('../ui/run-lines.js');
    const reporter = this.jsonEnabled()
      ? jsonRunReporter((line) => process.stdout.write(`${line}\n`))
      : plainRunReporter((line) => process.stderr.write(`${line}\n`));
    const deps = { ...ctx, reporter };
    const stackFlag = stack.stackName === 'runvoy' ? '' : ` --stack ${stack.stackName}`;

    const record = await runPolicy
      .startUnderPolicy(
        ctx,
        decide,
        (decided, guard) => startExecution(deps, decided, { guard }),
        (policy) =>
          this.note(`The team policy changed (now version ${policy.version}): the run was checked again.`),
      )
      .catch((error: unknown) => {
        // A run that got as far as its record has an ID, and --detach promises it on stdout, failure or not
        // (the error on stderr says what state it is in): a script can still `runvoy status` or `kill` it.
        const executionId = error instanceof RunvoyError ? error.data?.executionId : undefined;
        if (flags.detach && !this.jsonEnabled() && typeof executionId === 'string')
          process.stdout.write(`${executionId}\n`);
        throw error;
      });
    if (request?.detach) {
      if (!this.jsonEnabled()) {
        process.stdout.write(`${record.id}\n`);
        this.note(detachLines(record, stackFlag).slice(1).join('\n'));
      }
      return { detached: true, execution: record };
    }

    const { attachSession, viewKind } = await import('../ui/attach-session.js');
    const session = await attachSession({
      deps,
      record,
      mode: 'attached',
      kind: viewKind(this.output, { json: this.jsonEnabled(), textOnStdout: true }),
      ...this.sessionIo(),
      format: (lines) =>
        this.jsonEnabled() ? formatPage(lines, 'json', false, record.id) : textLogLines(lines),
    });
    this.exitStatus = session.exitCode;
    if (session.kind === 'detached') return { detached: true, execution: session.record };
    return {
      detached: false,
      execution: session.record,
      exitCode: session.exitCode,
      ...(session.finalised?.outcome.hint ? { hint: session.finalised.outcome.hint } : {}),
    };
  }

  /**
   * `run NAME [-- ARGS]` and `run --task NAME`: the task's keys become flags (those given win) and its
   * command the command (core/task-run.ts says which runs are tasks).
   */
  private async applyTaskFile(given: RunFlags): Promise<RunFlags> {
    const { resolveTaskRun } = await import('../services/task-files.js');
    const resolved = await resolveTaskRun({
      flags: given,
      command: this.commandArgv,
      afterDashes: this.commandAfterDashes,
      cwd: process.cwd(),
    });
    if (resolved.task) this.note(`Task ${resolved.task.name} (${resolved.task.file}:${resolved.task.line})`);
    this.commandArgv = resolved.command;
    this.taskBase = resolved.base;
    return resolved.flags;
  }

  /** `stray`: what the flag parser did not take among runvoy's flags (the command was split off first). */
  private async buildRequest(flags: RunFlags, stray: string[], settings: Settings): Promise<RunRequest> {
    if (stray.length > 0) {
      throw new UsageError({
        what: `${JSON.stringify(stray[0])} is not a runvoy flag or a flag's value.`,
        why: "It comes among runvoy's flags, before the command; a boolean flag takes no value (--detach, not --detach=true).",
        fix: 'Remove it, or put the command after --. Nothing was sent to AWS.',
      });
    }
    const sourced = <T>(setting: ResolvedSetting, key: string) => ({
      value: setting.value as T | undefined,
      field: fieldOf(setting, key),
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
      command: this.commandArgv,
      shell: flags.shell,
      cpu: sourced<string | number>(settings.cpu, 'cpu'),
      memory: sourced<string | number>(settings.memory, 'memory'),
      memoryDefaulted: settings.memory.source === 'default',
      arch: sourced<string>(settings.arch, 'arch'),
      spot: Boolean(settings.spot.value),
      env: flags.env ?? [],
      envFiles,
      secrets: flags.secret ?? [],
      tags: flags.tag ?? [],
      lock: flags.lock,
      lockWait: flags['lock-wait'],
      timeout: sourced<string>(settings.timeout, 'timeout'),
      detach: flags.detach,
      taskRole: flags['task-role'],
      ephemeralStorage: flags['ephemeral-storage'],
      base: this.taskBase,
    });
  }

  protected render(result: RunResult): void {
    if ('dryRun' in result) {
      const lines = [
        `Plan (dry run, nothing written):`,
        `  stack            ${result.stack} (${result.region}), cluster ${result.cluster}`,
        `  task definition  ${result.taskDefinitionFamily}`,
        `  image            ${result.image}`,
        `  command          ${result.containerCommand ? JSON.stringify(result.containerCommand) : "(the image's own)"}`,
        `  size             ${result.cpu} CPU units, ${result.memory} MiB, ${result.arch}${result.spot ? ', Fargate Spot' : ''}`,
        `  network          subnets ${result.network.subnets.join(', ')}; security group ${result.network.securityGroup}; public IP ${result.network.assignPublicIp}`,
        `  lock             ${result.lock ?? '(none)'}`,
        `  timeout          ${result.timeoutMs === undefined ? '(none)' : `${result.timeoutMs / 1000}s`}`,
        `  estimate         ${money(result.estimate.perHour)} per hour; ${result.timeoutMs === undefined ? 'no upper bound without --timeout' : `at most ${money(result.estimate.upToTimeout)} up to the timeout`}`,
      ];
      this.log(lines.join('\n'));
    }
  }
}

/** Where a setting came from, as messages name it: --cpu, RUNVOY_CPU, config cpu, team policy cpu. */
function fieldOf(setting: ResolvedSetting, key: string): string {
  if (setting.source === 'flag') return `--${key}`;
  if (setting.source === 'env' || setting.source === 'policy') return setting.origin ?? key;
  return `config ${key}`;
}

/** The one problem is that no image was given (it may still come from the team policy). */
function isOnlyMissingImage(error: unknown): boolean {
  const issues = error instanceof UsageError ? error.data?.issues : undefined;
  return (
    Array.isArray(issues) &&
    issues.length === 1 &&
    (issues[0] as { field?: string; value?: string }).field === '--image' &&
    (issues[0] as { value?: string }).value === ''
  );
}

function money(estimate: { amount?: number; status: string; reason?: string }): string {
  return estimate.amount === undefined
    ? `unavailable (${estimate.reason ?? 'unknown'})`
    : `$${estimate.amount.toFixed(4)}`;
}
