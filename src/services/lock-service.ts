import { TransactionConflict, newLockVersion, type Store, type TransactGuard } from '../aws/store.js';
import type { AuditEvent } from '../core/items.js';
import { describeTask, tasksStartedBy } from '../aws/tasks.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import {
  backoffDelay,
  CONFLICT_BACKOFF,
  conflictRetryDelay,
  decideAcquire,
  formatLockConflict,
  type LockItem,
} from '../core/lock-protocol.js';
import { startedByFor } from '../core/run-plan.js';
import { isTerminal } from '../core/status.js';
import type { StackCommandContext } from '../context.js';

/** While a CLI is attached its lease is short and renewed by heartbeat. */
export const ATTACHED_LEASE_MS = 2 * 60_000;
export const HEARTBEAT_MS = 30_000;
/** A detached run without --timeout keeps its lease this long; its task is still checked before takeover. */
export const DETACHED_LEASE_MS = 14 * 86_400_000;

/** What holderFinished reads: the holder's record, and its task in the stack's cluster. */
export type HolderContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack'>;

/** What createWithLock uses: the holder check, and the clock its waits and --lock-wait deadline run on. */
export type LockContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'clock'>;

export interface AcquireOptions {
  waitMs: number;
  leaseUntil: (now: number) => number;
  onWait?: (lock: LockItem, remainingMs: number) => void;
  audit?: AuditEvent;
  /** A condition the transaction must also hold (the team policy's version). */
  guard?: TransactGuard;
  /** A random number in [0, 1), for the backoff's jitter (tests pin it); Math.random by default. */
  jitter?: () => number;
}

/**
 * Writes the execution record and takes its lock in one transaction (SPEC section 7, docs/locks.md).
 * A held lock is taken over only when its holder is verified finished: its record is terminal, or its
 * task is stopped or unknown to ECS, or it never started a task and its lease has expired. Returns the
 * record as written, with its fence.
 *
 * Every retry backs off with jitter and stops at the --lock-wait deadline: waiting for a held lock, and
 * writing again after a lost race (a few quick retries even with --lock-wait 0, then exit 3). A malformed
 * lock item is an error before anything is written (Store.getLock).
 *
 * Also returns the `acquiredAt` written on the lock: it is taken before the transaction is sent, and the run's
 * RunTask deadline counts from it (src/core/grace.ts), however long the transaction then takes.
 */
export async function createWithLock(
  ctx: LockContext,
  record: ExecutionRecord,
  lockName: string,
  options: AcquireOptions,
): Promise<{ record: ExecutionRecord; acquiredAt: string; takeover?: LockItem }> {
  const now = () => ctx.clock.now();
  const sleep = (ms: number) => ctx.clock.sleep(ms);
  const stackName = ctx.stack.stackName;
  const deadline = now() + Math.max(0, options.waitMs);
  let waits = 0;
  let conflicts = 0;
  let backOffFirst = false;
  let current = await ctx.store.getLock(lockName);
  for (;;) {
    const decision = decideAcquire(current, now());
    const mustVerify = current && (decision.kind === 'verify-holder' || decision.kind === 'take-expired');
    const free = !mustVerify || (current !== undefined && (await holderFinished(ctx, current, now())));
    if (free && backOffFirst) {
      // The last write lost a race and the lock still looks free: pause, so that racing writers spread
      // out instead of spinning, then decide again on what is there after the pause.
      const delay = conflictRetryDelay(conflicts, deadline - now(), {
        ...CONFLICT_BACKOFF,
        jitter: options.jitter,
      });
      if (delay === undefined) throw lockContended(lockName, conflicts, current, now(), stackName);
      await sleep(delay);
      backOffFirst = false;
      current = await ctx.store.getLock(lockName);
      continue;
    }
    if (free) {
      const fence = decision.nextFence;
      const written: ExecutionRecord = { ...record, lockName, fence };
      const at = now();
      const acquiredAt = new Date(at).toISOString();
      const item: LockItem = {
        name: lockName,
        state: 'HELD',
        holderExecutionId: record.id,
        holderArn: record.callerArn,
        holderHost: record.host,
        command: record.command,
        acquiredAt,
        leaseExpiresAt: options.leaseUntil(at),
        fence,
        version: newLockVersion(),
      };
      try {
        await ctx.store.createExecution(
          written,
          {
            item,
            expectVersion: decision.kind === 'create' ? undefined : decision.expectVersion,
          },
          options.audit,
          options.guard,
        );
        return { record: written, acquiredAt, takeover: mustVerify ? current : undefined };
      } catch (error) {
        if (!(error instanceof TransactionConflict)) throw error;
        // Someone wrote the lock between our read and our write: decide again on what is there now.
        conflicts++;
        backOffFirst = true;
        current = error.currentLock ?? (await ctx.store.getLock(lockName));
        continue;
      }
    }
    const held = current as LockItem;
    const remaining = deadline - now();
    const delay = backoffDelay(waits++, remaining, { jitter: options.jitter });
    if (delay === undefined) throw lockHeld(held, now(), stackName);
    options.onWait?.(held, Math.max(0, remaining));
    await sleep(delay);
    current = await ctx.store.getLock(lockName);
  }
}

/**
 * The holder's record, for deciding whether it has finished. A malformed one tells nothing, so it is
 * treated like a missing one (the lease, then ECS decide), never as an error that would block the lock.
 */
export async function holderRecord(store: Store, id: string): Promise<ExecutionRecord | undefined> {
  try {
    return await store.getExecution(id);
  } catch (error) {
    if (error instanceof RunvoyError && error.code === 'MALFORMED_ITEM') return undefined;
    throw error;
  }
}

/** Whether the execution holding a lock has finished, checked against its record and ECS. */
export async function holderFinished(ctx: HolderContext, lock: LockItem, now: number): Promise<boolean> {
  if (lock.state !== 'HELD' || !lock.holderExecutionId) return true;
  const holder = await holderRecord(ctx.store, lock.holderExecutionId);
  if (holder && isTerminal(holder.status)) return true;
  const cluster = holder?.clusterArn ?? ctx.stack.outputs.clusterName;
  if (holder?.taskArn) {
    const task = await describeTask(ctx.clients, cluster, holder.taskArn);
    return !task || task.lastStatus === 'STOPPED';
  }
  // No task recorded: the holder is still starting, or died before or just after RunTask. No record at
  // all (it outlived its retention, or a reader saw the lock before the record of the same transaction)
  // is treated the same way, never as proof that the holder is gone.
  const leaseExpired = lock.leaseExpiresAt !== undefined && lock.leaseExpiresAt <= now;
  if (!leaseExpired) return false;
  return (await tasksStartedBy(ctx.clients, cluster, startedByFor(lock.holderExecutionId))).length === 0;
}

/**
 * Racing writers kept changing the lock until the retries ran out. Held by someone now: the usual
 * "lock held" (exit 3). Otherwise a race lost again and again, also exit 3: try again.
 */
export function lockContended(
  name: string,
  attempts: number,
  lock: LockItem | undefined,
  now: number,
  stackName: string,
): RunvoyError {
  if (lock?.state === 'HELD') return lockHeld(lock, now, stackName);
  return new RunvoyError({
    what: `Could not take the lock "${name}": other runs wrote it ${attempts} times while runvoy was taking it.`,
    why: 'Several runs are taking this lock at the same moment. runvoy backed off between attempts and stopped when --lock-wait ran out.',
    fix: 'Run the command again, or pass --lock-wait 1m to keep trying for longer. Nothing was started.',
    exitCode: ExitCode.LockHeld,
    code: 'LOCK_CONTENDED',
    data: { lock: lock ?? null, attempts },
  });
}

export function lockHeld(lock: LockItem, now: number, stackName: string): RunvoyError {
  const text = formatLockConflict(lock, now, stackName === 'runvoy' ? {} : { stack: stackName });
  const [what = '', ...rest] = text.split('\n\n');
  const fix = rest.pop() ?? '';
  return new RunvoyError({
    what: `${what}: it is held by execution ${lock.holderExecutionId ?? '(unknown)'}${lock.holderArn ? ` (${lock.holderArn})` : ''}.`,
    why: rest.join('\n\n'),
    fix,
    exitCode: ExitCode.LockHeld,
    code: 'LOCK_HELD',
    data: { lock },
  });
}
