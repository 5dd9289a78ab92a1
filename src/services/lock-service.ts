import type { AwsClients } from '../aws/clients.js';
import { TransactionConflict, newLockVersion, type AuditEvent, type Store } from '../aws/store.js';
import { describeTask, tasksStartedBy } from '../aws/tasks.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { decideAcquire, formatLockConflict, lockWaitDelays, type LockItem } from '../core/lock-protocol.js';
import { startedByFor } from '../core/run-plan.js';
import { isTerminal } from '../core/status.js';

/** While a CLI is attached its lease is short and renewed by heartbeat. */
export const ATTACHED_LEASE_MS = 2 * 60_000;
export const HEARTBEAT_MS = 30_000;
/** A detached run without --timeout keeps its lease this long; its task is still checked before takeover. */
export const DETACHED_LEASE_MS = 14 * 86_400_000;

export interface LockContext {
  clients: AwsClients;
  store: Store;
  cluster: string;
  stackName: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface AcquireOptions {
  waitMs: number;
  leaseUntil: (now: number) => number;
  onWait?: (lock: LockItem, remainingMs: number) => void;
  audit?: AuditEvent;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes the execution record and takes its lock in one transaction (SPEC section 7, docs/locks.md).
 * A held lock is taken over only when its holder is verified finished: its record is terminal, or its
 * task is stopped or unknown to ECS, or it never started a task and its lease has expired. Returns the
 * record as written, with its fence.
 */
export async function createWithLock(
  ctx: LockContext,
  record: ExecutionRecord,
  lockName: string,
  options: AcquireOptions,
): Promise<{ record: ExecutionRecord; takeover?: LockItem }> {
  const now = ctx.now ?? Date.now;
  const sleep = ctx.sleep ?? defaultSleep;
  const delays = lockWaitDelays(options.waitMs);
  const started = now();
  let current = await ctx.store.getLock(lockName);
  for (;;) {
    const decision = decideAcquire(current, now());
    const mustVerify = current && (decision.kind === 'verify-holder' || decision.kind === 'take-expired');
    const free = !mustVerify || (current !== undefined && (await holderFinished(ctx, current, now())));
    if (free) {
      const fence = decision.nextFence;
      const written: ExecutionRecord = { ...record, lockName, fence };
      const item: LockItem = {
        name: lockName,
        state: 'HELD',
        holderExecutionId: record.id,
        holderArn: record.callerArn,
        holderHost: record.host,
        command: record.command,
        acquiredAt: new Date(now()).toISOString(),
        leaseExpiresAt: options.leaseUntil(now()),
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
        );
        return { record: written, takeover: mustVerify ? current : undefined };
      } catch (error) {
        if (!(error instanceof TransactionConflict)) throw error;
        // Someone wrote the lock between our read and our write: decide again on what is there now.
        current = error.currentLock ?? (await ctx.store.getLock(lockName));
        continue;
      }
    }
    const delay = delays.next();
    if (delay.done || !current) throw lockHeld(current as LockItem, now(), ctx.stackName);
    options.onWait?.(current, Math.max(0, options.waitMs - (now() - started)));
    await sleep(delay.value);
    current = await ctx.store.getLock(lockName);
  }
}

/** Whether the execution holding a lock has finished, checked against its record and ECS. */
export async function holderFinished(ctx: LockContext, lock: LockItem, now: number): Promise<boolean> {
  if (lock.state !== 'HELD' || !lock.holderExecutionId) return true;
  const holder = await ctx.store.getExecution(lock.holderExecutionId);
  if (holder && isTerminal(holder.status)) return true;
  const cluster = holder?.clusterArn ?? ctx.cluster;
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
