import { Args, Flags } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { ExitCode, UsageError, validationError } from '../../core/errors.js';
import { validateLockName } from '../../core/lock-name.js';
import type { ReleaseResult } from '../../services/locks.js';
import { confirm } from '../../ui/prompt.js';

export default class LocksRelease extends RunvoyCommand<ReleaseResult> {
  static override summary =
    "Release a lock. A live holder's lock needs --force and a confirmation, and is audited.";
  static override args = { name: Args.string({ required: true, description: 'Lock name.' }) };
  static override flags = {
    force: Flags.boolean({
      description: 'Release even though its holder is still running; also repairs a malformed lock item.',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation (with --force).' }),
  };

  protected async execute(): Promise<ReleaseResult> {
    const { args, flags } = await this.parse(LocksRelease);
    const issue = validateLockName(args.name, 'NAME');
    if (issue) throw validationError([issue]);
    if (flags.force && !flags.yes && !this.output.prompts) {
      throw new UsageError({
        what: 'A forced release needs confirmation, and there is no terminal to ask in.',
        fix: 'Pass --yes together with --force. Nothing was sent to AWS.',
        code: 'NEEDS_YES',
      });
    }
    const { releaseLock } = await import('../../services/locks.js');
    const ctx = await this.stackContext();
    const result = await releaseLock(ctx, args.name, {
      force: flags.force,
      confirm: async (lock) =>
        flags.yes ||
        confirm(
          `Release "${lock.name}", held by ${lock.holderExecutionId ?? '?'} (${lock.holderArn ?? 'unknown'}) whose task is still running?`,
        ),
      confirmRepair: async (bad, fence) =>
        flags.yes ||
        confirm(
          `The lock item ${bad.key} is malformed (${bad.problems.join('; ')}). Replace it with a FREE lock with fence ${fence}?`,
        ),
    });
    if (result.reason === 'cancelled') this.exitStatus = ExitCode.Failure;
    return result;
  }

  protected render(result: ReleaseResult): void {
    if (result.released)
      this.log(
        `Released "${result.name}" (${result.reason}; previous holder ${result.previousHolder ?? '?'}).`,
      );
    else this.log(`Nothing released: ${result.reason}.`);
  }
}
