import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { isPolicyKey, unknownPolicyKeyIssue } from '../../core/policy.js';
import type { PolicyChangeResult } from '../../services/policy.js';

export default class PolicyUnset extends RunvoyCommand<PolicyChangeResult> {
  static override summary =
    'Remove a key from the team policy, for everyone who uses the stack (an admin action).';
  static override description =
    'Written only on the version of the policy it was decided on, and recorded in `runvoy audit` in the same transaction.';
  static override examples = ['<%= config.bin %> policy unset budget.perRun'];
  static override args = { key: Args.string({ required: true, description: 'Policy key.' }) };

  protected async execute(): Promise<PolicyChangeResult> {
    const { args } = await this.parse(PolicyUnset);
    if (!isPolicyKey(args.key)) throw validationError([unknownPolicyKeyIssue(args.key)]);
    const { changePolicy } = await import('../../services/policy.js');
    const ctx = await this.stackContext();
    return changePolicy(ctx, { key: args.key, value: undefined });
  }

  protected render(result: PolicyChangeResult): void {
    this.log(
      result.changed
        ? `Removed ${result.key} from the team policy (was ${result.old}; version ${result.version}).`
        : `${result.key} was not set in the team policy; nothing written.`,
    );
  }
}
