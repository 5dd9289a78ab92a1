import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { isPolicyKey, parsePolicyValue, POLICY_KEY_NAMES, unknownPolicyKeyIssue } from '../../core/policy.js';
import type { PolicyChangeResult } from '../../services/policy.js';

export default class PolicySet extends RunvoyCommand<PolicyChangeResult> {
  static override summary =
    'Set a key of the team policy, for everyone who uses the stack (an admin action).';
  static override description = `Keys: ${POLICY_KEY_NAMES.join(', ')}. The value is checked before any request. The change is written only on the version of the policy it was decided on (two admins never lose each other's change) and recorded in \`runvoy audit\` in the same transaction.`;
  static override examples = [
    '<%= config.bin %> policy set budget.perRun 0.50',
    "<%= config.bin %> policy set images.allowed '123456789012.dkr.ecr.eu-west-1.amazonaws.com/*,alpine:*'",
    '<%= config.bin %> policy set timeout.max 2h',
    '<%= config.bin %> policy set runs.maxConcurrent 10',
  ];
  static override args = {
    key: Args.string({ required: true, description: 'Policy key.' }),
    value: Args.string({ required: true, description: 'New value.' }),
  };

  protected async execute(): Promise<PolicyChangeResult> {
    const { args } = await this.parse(PolicySet);
    if (!isPolicyKey(args.key)) throw validationError([unknownPolicyKeyIssue(args.key)]);
    const parsed = parsePolicyValue(args.key, args.value);
    if ('issue' in parsed) throw validationError([parsed.issue]);
    const { changePolicy } = await import('../../services/policy.js');
    const ctx = await this.stackContext();
    return changePolicy(ctx, { key: args.key, value: parsed.value });
  }

  protected render(result: PolicyChangeResult): void {
    this.log(
      result.changed
        ? `Set ${result.key} = ${result.new} in the team policy (was ${result.old}; version ${result.version}).`
        : `${result.key} is already ${result.new} in the team policy (version ${result.version}); nothing written.`,
    );
  }
}
