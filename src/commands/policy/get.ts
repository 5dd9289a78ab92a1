import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { isPolicyKey, policyValueText, unknownPolicyKeyIssue, type PolicyValue } from '../../core/policy.js';

interface GetResult {
  key: string;
  value: PolicyValue | null;
  version: number;
}

export default class PolicyGet extends RunvoyCommand<GetResult> {
  static override summary =
    "Print one key of the team policy (kept in the stack's table, shared by the team).";
  static override examples = ['<%= config.bin %> policy get budget.perRun'];
  static override args = { key: Args.string({ required: true, description: 'Policy key.' }) };

  protected async execute(): Promise<GetResult> {
    const { args } = await this.parse(PolicyGet);
    if (!isPolicyKey(args.key)) throw validationError([unknownPolicyKeyIssue(args.key)]);
    const { currentPolicy } = await import('../../services/policy.js');
    const ctx = await this.stackContext();
    const { policy } = await currentPolicy(ctx);
    return { key: args.key, value: policy.values[args.key] ?? null, version: policy.version };
  }

  protected render(result: GetResult): void {
    if (!isPolicyKey(result.key)) return;
    if (result.value !== null) this.log(policyValueText(result.key, result.value));
    this.note(
      this.paintErr(
        'dim',
        result.value === null
          ? `(unset in the team policy, version ${result.version})`
          : `(team policy, version ${result.version})`,
      ),
    );
  }
}
