import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { formatChangeSet } from '../core/change-set.js';
import { ExitCode, RunvoyError, UsageError, validationError } from '../core/errors.js';
import { planInitNetwork } from '../core/init-options.js';
import type { DeployResult } from '../services/init.js';
import { confirm, PromptInterrupted } from '../ui/prompt.js';
import { formatOutputs } from '../ui/stack-lines.js';
import { choices } from '../flag-choices.js';

export default class Init extends RunvoyCommand<DeployResult> {
  static override summary =
    'Create or update the runvoy stack: cluster, table, log group, roles and network.';
  static override description = `Shows the change set and asks to confirm (unless --yes), then shows progress and prints the stack's outputs.
Re-running with nothing to change says so and exits 0.`;
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --yes --vpc default',
    '<%= config.bin %> init --subnets subnet-0abc1234,subnet-0def5678 --no-public-ip',
  ];
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Apply without asking.' }),
    vpc: Flags.string({
      description: 'Network: `new` (a VPC for runvoy, the default on create) or `default` (the default VPC).',
      options: choices(['new', 'default']),
    }),
    subnets: Flags.string({ description: 'Existing subnets to run tasks in, comma-separated.' }),
    'security-group': Flags.string({
      description: 'Existing security group for tasks (with --subnets or --vpc default).',
    }),
    'public-ip': Flags.boolean({
      allowNo: true,
      description: 'Give tasks a public IP (default on; off needs NAT or VPC endpoints).',
    }),
    'log-retention': Flags.integer({ description: 'Days to keep task logs (default 30).' }),
    'retain-data': Flags.boolean({
      allowNo: true,
      description: 'Keep the DynamoDB table when the stack is destroyed.',
    }),
  };

  protected async execute(): Promise<DeployResult> {
    const { flags } = await this.parse(Init);
    if (!flags.yes && !this.output.prompts) {
      throw new UsageError({
        what: 'runvoy init needs confirmation, and there is no terminal to ask in.',
        fix: 'Pass --yes to apply without asking (as in CI). Nothing was sent to AWS.',
        code: 'NEEDS_YES',
      });
    }
    const initFlags = {
      vpc: flags.vpc,
      subnets: flags.subnets,
      securityGroup: flags['security-group'],
      publicIp: flags['public-ip'],
      logRetention: flags['log-retention'],
      retainData: flags['retain-data'],
    };
    // The network choice depends on whether the stack exists; validate its grammar up front.
    const { issues } = planInitNetwork(initFlags, false);
    if (issues.length > 0) throw validationError(issues);

    const [{ deployStack }, { Cache }, { describeStack }] = await Promise.all([
      import('../services/init.js'),
      import('../config/cache.js'),
      import('../aws/stack.js'),
    ]);
    const clients = await this.aws();
    const stackName = this.typedSettings().stack;
    const exists = Boolean(await describeStack(clients, stackName));
    const { network } = planInitNetwork(initFlags, exists);
    const progress = await this.progressReporter(`Deploying stack "${stackName}"`);
    // Ctrl-C: the first one lets init clean up (or say where the stack is), a second one stops waiting at
    // once: an error (exit 130) that goes through the error handler, which closes the clients.
    const interrupt = new AbortController();
    let interruptedAgain: (error: RunvoyError) => void = () => undefined;
    const again = new Promise<never>((_, reject) => (interruptedAgain = reject));
    again.catch(() => undefined);
    const onInterrupt = () => {
      if (interrupt.signal.aborted) {
        interruptedAgain(
          new RunvoyError({
            what: 'Interrupted again: exiting now.',
            fix: "`runvoy doctor` shows the stack's state; `runvoy destroy` deletes a stack left in REVIEW_IN_PROGRESS.",
            exitCode: ExitCode.Interrupted,
            code: 'INTERRUPTED',
          }),
        );
        return;
      }
      progress.stop();
      this.note('\nInterrupted: stopping safely (Ctrl-C again to exit at once)...');
      interrupt.abort();
    };
    process.on('SIGINT', onInterrupt);
    try {
      const deploying = deployStack({
        clients,
        cache: new Cache(),
        stackName,
        flags: initFlags,
        network,
        yes: flags.yes,
        signal: interrupt.signal,
        confirm: (question) =>
          confirm(question, { signal: interrupt.signal }).catch((error: unknown) => {
            if (!(error instanceof PromptInterrupted)) throw error;
            if (!interrupt.signal.aborted) onInterrupt();
            return false;
          }),
        reporter: {
          context: (info) =>
            this.note(
              `Account ${info.account} as ${info.arn}\nRegion  ${info.region}\nStack   ${info.stackName} (${info.exists ? 'update' : 'create'})`,
            ),
          changeSet: (changes, parameters) => {
            const lines = [
              ...parameters.map((p) => `~ Parameter ${p.key}: ${p.from ?? '(default)'} -> ${p.to}`),
              ...(changes.length > 0 || parameters.length === 0 ? formatChangeSet(changes) : []),
            ];
            this.note(`\nChanges:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
          },
          event: (event) => progress.event(event),
        },
      });
      // After a second Ctrl-C nobody waits for it: its end must not be an unhandled rejection.
      deploying.catch(() => undefined);
      const result = await Promise.race([deploying, again]);
      if (result.action === 'cancelled') this.exitStatus = ExitCode.Failure;
      if (result.action === 'interrupted') this.exitStatus = ExitCode.Interrupted;
      return result;
    } finally {
      process.off('SIGINT', onInterrupt);
      progress.stop();
    }
  }

  /** Stack events as a live view on a terminal, else as lines; once stopped, further events are lines. */
  private async progressReporter(title: string) {
    const { formatEventLine } = await import('../ui/stack-lines.js');
    const line = (e: Parameters<typeof formatEventLine>[0]) => this.note(formatEventLine(e));
    if (!this.jsonEnabled() && this.output.liveProgress) {
      const { InkStackProgress } = await import('../ui/stack-view.js');
      let view: InstanceType<typeof InkStackProgress> | undefined;
      let stopped = false;
      return {
        event: (e: Parameters<typeof formatEventLine>[0]) => {
          if (stopped) return line(e);
          if (!view) {
            view = new InkStackProgress(title, this.output);
            view.start();
          }
          view.event(e);
        },
        stop: () => {
          if (!stopped) view?.stop();
          stopped = true;
        },
      };
    }
    return { event: line, stop: () => undefined };
  }

  protected render(result: DeployResult): void {
    if (result.action === 'cancelled') {
      this.note('Cancelled: nothing was changed.');
      return;
    }
    if (result.interruption) {
      const { phase, cleanedUp, stackStatus, advice } = result.interruption;
      const head =
        phase === 'review'
          ? 'Interrupted: nothing was applied.'
          : `Interrupted: stopped waiting. Stack "${result.stackName}" is ${stackStatus ?? 'gone'}.`;
      this.note([head, ...cleanedUp, ...advice].join('\n'));
      return;
    }
    if (result.action === 'unchanged') {
      this.note(
        `Stack "${result.stackName}" is up to date (template version ${result.templateVersion}): nothing to change.`,
      );
    } else {
      this.note(`Stack "${result.stackName}" ${result.action} (${result.status}).`);
    }
    if (result.outputs)
      this.log(formatOutputs(result.outputs as unknown as Record<string, unknown>).join('\n'));
  }
}
