/** What `runvoy init` says when it is interrupted (Ctrl-C), by where it was and what the stack is now. */

export type InitOperation = 'create' | 'update';

export interface InitInterruption {
  /**
   * `review`: before anything was applied (the change set was deleted, and for a create the empty
   * REVIEW_IN_PROGRESS stack too). `apply`: after CloudFormation was asked to create or update the
   * stack, which it carries on doing whether or not runvoy waits.
   */
  phase: 'review' | 'apply';
  operation: InitOperation;
  /** What runvoy deleted on its way out, one sentence each. */
  cleanedUp: string[];
  /** The stack's status when runvoy stopped waiting (apply), or undefined when it is gone. */
  stackStatus?: string;
  /** What to do now. */
  advice: string[];
}

function stackFlag(stackName: string): string {
  return stackName === 'runvoy' ? '' : ` --stack ${stackName}`;
}

/** The advice after an interrupted review: nothing was applied, so running init again starts afresh. */
export function reviewInterruptedAdvice(stackName: string): string[] {
  return [`Run \`runvoy init${stackFlag(stackName)}\` again when you are ready.`];
}

/** The advice after init stopped waiting for a create or update that CloudFormation carries on with. */
export function applyInterruptedAdvice(
  operation: InitOperation,
  stackName: string,
  status: string | undefined,
): string[] {
  const flag = stackFlag(stackName);
  const watch = `Follow it with \`runvoy doctor${flag}\` or in the CloudFormation console.`;
  if (status === undefined) {
    return [`The stack is gone (its create failed and was deleted). Run \`runvoy init${flag}\` again.`];
  }
  if (/^ROLLBACK_IN_PROGRESS$|^CREATE_FAILED$/.test(status)) {
    return [
      `The create failed and CloudFormation is rolling it back. ${watch}`,
      `Once it is ROLLBACK_COMPLETE, \`runvoy destroy${flag}\` deletes it; then run \`runvoy init${flag}\` again.`,
    ];
  }
  if (/_IN_PROGRESS$/.test(status)) {
    return operation === 'create'
      ? [
          `The create continues on AWS's side. ${watch}`,
          `Once it is done, \`runvoy init${flag}\` prints the stack's outputs, or \`runvoy destroy${flag}\` deletes it.`,
        ]
      : [
          `The update continues on AWS's side (CloudFormation rolls it back if it fails). ${watch}`,
          `Once it is done, run \`runvoy init${flag}\` again to check the stack and print its outputs.`,
        ];
  }
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return [`The create failed. Run \`runvoy destroy${flag}\`, then \`runvoy init${flag}\` again.`];
  }
  if (status === 'UPDATE_ROLLBACK_COMPLETE') {
    return [
      `The update failed and was rolled back: the stack is as it was before. Its events in the CloudFormation console say why; fix that and run \`runvoy init${flag}\` again.`,
    ];
  }
  if (/^(CREATE|UPDATE|IMPORT)_COMPLETE$/.test(status)) {
    return [`The ${operation} finished. Run \`runvoy init${flag}\` again to print the stack's outputs.`];
  }
  return [`The ${operation} did not finish cleanly. Run \`runvoy doctor${flag}\` to see what to do.`];
}
