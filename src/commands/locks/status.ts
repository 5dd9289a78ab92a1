import { Args } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { validationError } from '../../core/errors.js';
import { validateLockName } from '../../core/lock-name.js';
import { formatLockConflict } from '../../core/lock-protocol.js';
import type { LockView } from '../../services/locks.js';

export default class LocksStatus extends RunvoyCommand<LockView> {
  static override summary =
    'Show one lock: its state, holder, fence and lease, and whether the holder is still running.';
  static override args = { name: Args.string({ required: true, description: 'Lock name.' }) };

  protected async execute(): Promise<LockView> {
    const { args } = await this.parse(LocksStatus);
    const issue = validateLockName(args.name, 'NAME');
    if (issue) throw validationError([issue]);
    const { lockStatus } = await import('../../services/locks.js');
    const ctx = await this.stackContext();
    return lockStatus(ctx, args.name);
  }

  protected render(lock: LockView): void {
    if (lock.state === 'FREE') {
      this.log(`Lock "${lock.name}" is free (fence ${lock.fence}).`);
      return;
    }
    const info = formatLockConflict(lock, Date.now()).split('\n\n')[1] ?? '';
    this.log(`Lock "${lock.name}" is held.\n${info}`);
    if (lock.holder) this.log(`  Status:    ${lock.holder.status}`);
    if (lock.holderFinished)
      this.log(
        `The holder has finished: the next run takes the lock, or release it with \`${this.hint('locks', 'release', lock.name)}\`.`,
      );
  }
}
