import { describe, expect, it } from 'vitest';
import { applyInterruptedAdvice, reviewInterruptedAdvice } from '../../../src/core/init-interrupt.js';

describe('what an interrupted `runvoy init` advises', () => {
  it('before anything was applied: run init again', () => {
    expect(reviewInterruptedAdvice('runvoy')).toEqual(['Run `runvoy init` again when you are ready.']);
    expect(reviewInterruptedAdvice('ci')).toEqual(['Run `runvoy init --stack ci` again when you are ready.']);
  });

  it('a create in progress continues on AWS; destroy deletes it once done', () => {
    const advice = applyInterruptedAdvice('create', 'runvoy', 'CREATE_IN_PROGRESS').join('\n');
    expect(advice).toContain("The create continues on AWS's side.");
    expect(advice).toContain('`runvoy destroy` deletes it');
    expect(advice).toContain('`runvoy doctor`');
  });

  it('an update in progress continues on AWS and is rolled back if it fails', () => {
    const advice = applyInterruptedAdvice('update', 'ci', 'UPDATE_IN_PROGRESS').join('\n');
    expect(advice).toContain(
      "The update continues on AWS's side (CloudFormation rolls it back if it fails).",
    );
    expect(advice).toContain('`runvoy init --stack ci` again');
    expect(advice).not.toContain('destroy');
  });

  it('a failed create (rolling back or rolled back) is destroyed, then created again', () => {
    expect(applyInterruptedAdvice('create', 'runvoy', 'ROLLBACK_IN_PROGRESS').join('\n')).toContain(
      'Once it is ROLLBACK_COMPLETE, `runvoy destroy` deletes it',
    );
    expect(applyInterruptedAdvice('create', 'runvoy', 'ROLLBACK_COMPLETE')).toEqual([
      'The create failed. Run `runvoy destroy`, then `runvoy init` again.',
    ]);
  });

  it('an operation that finished meanwhile: init again prints the outputs', () => {
    expect(applyInterruptedAdvice('create', 'runvoy', 'CREATE_COMPLETE')).toEqual([
      "The create finished. Run `runvoy init` again to print the stack's outputs.",
    ]);
    expect(applyInterruptedAdvice('update', 'runvoy', 'UPDATE_ROLLBACK_COMPLETE')[0]).toContain(
      'The update failed and was rolled back: the stack is as it was before.',
    );
    expect(applyInterruptedAdvice('update', 'runvoy', 'UPDATE_ROLLBACK_FAILED')).toEqual([
      'The update did not finish cleanly. Run `runvoy doctor` to see what to do.',
    ]);
    expect(applyInterruptedAdvice('create', 'runvoy', undefined)[0]).toContain('The stack is gone');
  });
});
